/**
 * The Unicode font every document embeds: DejaVu Sans, regular and bold. PDF's built-in fonts have no
 * Cyrillic and no Polish letters, and pdfkit prints garbage for them without an error, so there is no
 * fallback to them: a missing font is an error that says where it was looked for.
 *
 * The TTFs come from the `dejavu-fonts-ttf` npm package, so a plain `npm install` is enough;
 * UPLINK_PDF_FONT_DIR points at another directory holding DejaVuSans.ttf and DejaVuSans-Bold.ttf.
 * Each file is parsed once per thread and the parsed font is shared by every document: parsing it
 * per document would cost several times the rest of the rendering.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as fontkit from 'fontkit'
import { AppError } from '../../kernel/errors.ts'

export const FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const

export interface PdfFonts {
  regular: fontkit.Font
  bold: fontkit.Font
}

/** Where the TTFs are read from: UPLINK_PDF_FONT_DIR, else the npm package's ttf/ folder. */
export function fontDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['UPLINK_PDF_FONT_DIR']?.trim()
  if (configured) return configured
  try {
    const require = createRequire(import.meta.url)
    return join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf')
  } catch {
    throw new AppError(
      'PDF font not found: the npm package "dejavu-fonts-ttf" is not installed (run npm install), ' +
        'and UPLINK_PDF_FONT_DIR is not set to a directory holding DejaVuSans.ttf and DejaVuSans-Bold.ttf',
    )
  }
}

function loadFont(dir: string, file: string): fontkit.Font {
  const path = join(dir, file)
  if (!existsSync(path)) {
    throw new AppError(
      `PDF font not found: ${path} does not exist. Install the npm package "dejavu-fonts-ttf" or set ` +
        `UPLINK_PDF_FONT_DIR to a directory holding ${FONT_FILES.regular} and ${FONT_FILES.bold}`,
      { path },
    )
  }
  const font = fontkit.create(readFileSync(path))
  // U+0416 Ж and U+0142 ł: a font without them would print Ukrainian and Polish documents as boxes.
  if (!isSingleFont(font) || !font.hasGlyphForCodePoint(0x0416) || !font.hasGlyphForCodePoint(0x0142)) {
    throw new AppError(`PDF font ${path} is not a TrueType font with Cyrillic and Polish letters`, { path })
  }
  fixGlyphCodePoints(font)
  return font
}

/**
 * fontkit keeps one object per glyph, holding the code points it was first reached from, and pdfkit
 * writes those into the PDF's ToUnicode map. With a font shared by every document of a thread, a
 * glyph reached by two code points (or a ligature also in the cmap) would make a document's bytes
 * depend on what the thread rendered before. Fixing them all up front removes that: ligatures from
 * their letters (so "fi" copies as f, i), every other glyph from its lowest code point.
 */
function fixGlyphCodePoints(font: fontkit.Font): void {
  font.layout('ff fi fl ffi ffl')
  for (const codePoint of [...font.characterSet].sort((a, b) => a - b)) font.glyphForCodePoint(codePoint)
}

function isSingleFont(font: fontkit.Font | fontkit.FontCollection): font is fontkit.Font {
  return 'hasGlyphForCodePoint' in font
}

let cached: { dir: string; fonts: PdfFonts } | null = null

/** The parsed fonts of this thread, loaded on first use. */
export function pdfFonts(): PdfFonts {
  const dir = fontDirectory()
  if (cached?.dir !== dir) {
    cached = {
      dir,
      fonts: { regular: loadFont(dir, FONT_FILES.regular), bold: loadFont(dir, FONT_FILES.bold) },
    }
  }
  return cached.fonts
}
