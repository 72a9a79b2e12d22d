/**
 * Plausible customers for the demo ISP and the load generator: names, streets and phone formats of
 * four countries (the four panel languages). Deterministic for a given seed.
 */

export interface SamplePerson {
  name: string
  login: string
  email: string
  phone: string
  street: string
  city: string
  zip: string
  country: string
  language: 'en' | 'es' | 'uk' | 'pl'
  category: 'person' | 'company'
  companyName: string | null
  billingDay: number
}

interface Locale {
  language: SamplePerson['language']
  country: string
  /** [native, latin] */
  first: [string, string][]
  last: [string, string][]
  streets: string[]
  cities: [string, string][]
  phone: (r: () => number) => string
  mail: string[]
  company: string[]
  address: (street: string, n: number) => string
}

const digits = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('')

const LOCALES: Locale[] = [
  {
    language: 'uk',
    country: 'Ukraine',
    first: [['Олена', 'olena'], ['Андрій', 'andrii'], ['Тарас', 'taras'], ['Ірина', 'iryna'], ['Оксана', 'oksana'], ['Дмитро', 'dmytro'], ['Наталія', 'nataliia'], ['Богдан', 'bohdan'], ['Юлія', 'yuliia'], ['Василь', 'vasyl'], ['Софія', 'sofiia'], ['Максим', 'maksym']],
    last: [['Коваленко', 'kovalenko'], ['Шевченко', 'shevchenko'], ['Бондаренко', 'bondarenko'], ['Ткаченко', 'tkachenko'], ['Кравчук', 'kravchuk'], ['Мельник', 'melnyk'], ['Олійник', 'oliinyk'], ['Поліщук', 'polishchuk'], ['Савченко', 'savchenko'], ['Гнатюк', 'hnatiuk']],
    streets: ['вул. Шевченка', 'вул. Франка', 'просп. Свободи', 'вул. Грушевського', 'вул. Личаківська', 'вул. Городоцька', 'вул. Зелена'],
    cities: [['Київ', '01001'], ['Львів', '79000'], ['Харків', '61000'], ['Одеса', '65000'], ['Вінниця', '21000']],
    phone: (r) => `+380 ${['50', '63', '67', '93', '97'][Math.floor(r() * 5)]} ${digits(r, 3)} ${digits(r, 4)}`,
    mail: ['ukr.net', 'gmail.com', 'i.ua', 'meta.ua'],
    company: ['ТОВ «Світанок»', 'ФОП Гнатюк', 'ТОВ «Карпати Трейд»', 'ПП «Дніпро Сервіс»', 'Кав\'ярня «Львівська»'],
    address: (s, n) => `${s}, ${n}`,
  },
  {
    language: 'pl',
    country: 'Poland',
    first: [['Jan', 'jan'], ['Anna', 'anna'], ['Piotr', 'piotr'], ['Katarzyna', 'katarzyna'], ['Małgorzata', 'malgorzata'], ['Krzysztof', 'krzysztof'], ['Agnieszka', 'agnieszka'], ['Tomasz', 'tomasz'], ['Łukasz', 'lukasz'], ['Zofia', 'zofia']],
    last: [['Nowak', 'nowak'], ['Kowalski', 'kowalski'], ['Wiśniewski', 'wisniewski'], ['Wójcik', 'wojcik'], ['Kamińska', 'kaminska'], ['Lewandowski', 'lewandowski'], ['Zieliński', 'zielinski'], ['Szymańska', 'szymanska'], ['Dąbrowski', 'dabrowski']],
    streets: ['ul. Długa', 'ul. Marszałkowska', 'ul. Piotrkowska', 'ul. Floriańska', 'ul. Świętojańska', 'al. Jerozolimskie', 'ul. Żeromskiego'],
    cities: [['Warszawa', '00-001'], ['Kraków', '30-001'], ['Gdańsk', '80-001'], ['Łódź', '90-001'], ['Poznań', '60-001'], ['Wrocław', '50-001']],
    phone: (r) => `+48 ${digits(r, 3)} ${digits(r, 3)} ${digits(r, 3)}`,
    mail: ['wp.pl', 'onet.pl', 'gmail.com', 'interia.pl', 'o2.pl'],
    company: ['Piekarnia Złoty Kłos', 'Usługi Budowlane Nowak', 'Apteka Pod Lipami', 'Biuro Rachunkowe Bilans', 'Kwiaciarnia Róża'],
    address: (s, n) => `${s} ${n}`,
  },
  {
    language: 'es',
    country: 'Spain',
    first: [['Ana', 'ana'], ['José', 'jose'], ['María', 'maria'], ['Javier', 'javier'], ['Lucía', 'lucia'], ['Carmen', 'carmen'], ['Alejandro', 'alejandro'], ['Pablo', 'pablo'], ['Sofía', 'sofia'], ['Álvaro', 'alvaro']],
    last: [['García', 'garcia'], ['López', 'lopez'], ['Martínez', 'martinez'], ['Sánchez', 'sanchez'], ['Fernández', 'fernandez'], ['Pérez', 'perez'], ['Gómez', 'gomez'], ['Muñoz', 'munoz'], ['Ruiz', 'ruiz']],
    streets: ['Calle Mayor', 'Avenida de la Constitución', 'Calle del Carmen', 'Paseo de Gracia', 'Calle Alcalá', 'Gran Vía', 'Calle Real'],
    cities: [['Madrid', '28001'], ['Barcelona', '08001'], ['Valencia', '46001'], ['Sevilla', '41001'], ['Málaga', '29001'], ['Zaragoza', '50001']],
    phone: (r) => `+34 6${digits(r, 2)} ${digits(r, 3)} ${digits(r, 3)}`,
    mail: ['gmail.com', 'hotmail.es', 'yahoo.es', 'telefonica.net'],
    company: ['Panadería La Espiga', 'Talleres Hermanos Ruiz SL', 'Clínica Dental Sonrisa', 'Bar El Rincón', 'Asesoría Fiscal Gómez'],
    address: (s, n) => `${s}, ${n}`,
  },
  {
    language: 'en',
    country: 'United Kingdom',
    first: [['Oliver', 'oliver'], ['Amelia', 'amelia'], ['George', 'george'], ['Isla', 'isla'], ['Harry', 'harry'], ['Emily', 'emily'], ['Jack', 'jack'], ['Sophie', 'sophie'], ['Thomas', 'thomas'], ['Grace', 'grace']],
    last: [['Smith', 'smith'], ['Jones', 'jones'], ['Taylor', 'taylor'], ['Brown', 'brown'], ['Williams', 'williams'], ['Wilson', 'wilson'], ['Davies', 'davies'], ['Evans', 'evans'], ['O\'Brien', 'obrien']],
    streets: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Green Lane', 'Manor Road', 'Park Avenue'],
    cities: [['London', 'SW1A 1AA'], ['Manchester', 'M1 1AE'], ['Bristol', 'BS1 4DJ'], ['Leeds', 'LS1 1UR'], ['York', 'YO1 7HH']],
    phone: (r) => `+44 7${digits(r, 3)} ${digits(r, 6)}`,
    mail: ['gmail.com', 'outlook.com', 'btinternet.com', 'yahoo.co.uk'],
    company: ['Green Valley Farm Ltd', 'Smith & Sons Plumbing', 'The Crown Inn', 'Northside Dental Practice', 'Bright Sparks Electrical'],
    address: (s, n) => `${n} ${s}`,
  },
]

/** A small seeded PRNG (mulberry32): the same seed gives the same people. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!

/** The n-th sample person; `unique` goes into the login and e-mail so they never repeat. */
export function samplePerson(r: () => number, unique: string | number, localeIndex?: number): SamplePerson {
  const loc = LOCALES[localeIndex ?? Math.floor(r() * LOCALES.length)]!
  const [first, firstLatin] = pick(r, loc.first)
  const [last, lastLatin] = pick(r, loc.last)
  const [city, zip] = pick(r, loc.cities)
  const company = r() < 0.12 ? pick(r, loc.company) : null
  const login = `${firstLatin}.${lastLatin}${unique}`
  return {
    name: company ?? `${first} ${last}`,
    login,
    email: `${login}@${company ? `${lastLatin}-biz.example` : pick(r, loc.mail)}`,
    phone: loc.phone(r),
    street: loc.address(pick(r, loc.streets), 1 + Math.floor(r() * 180)),
    city,
    zip,
    country: loc.country,
    language: loc.language,
    category: company ? 'company' : 'person',
    companyName: company,
    billingDay: 1 + Math.floor(r() * 28),
  }
}

/** Status mix of a living ISP: mostly active, some blocked for debt, some gone, a few waiting for connection. */
export function sampleStatus(r: () => number): 'new' | 'active' | 'blocked' | 'inactive' {
  const x = r()
  return x < 0.8 ? 'active' : x < 0.88 ? 'blocked' : x < 0.95 ? 'inactive' : 'new'
}

export const SAMPLE_LOCALES = LOCALES.length
