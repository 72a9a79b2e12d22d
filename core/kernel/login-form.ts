import { Type } from 'typebox'

/** The body of the admin and portal sign-in forms. */
export const LoginBody = Type.Object({
  login: Type.String({ maxLength: 200, default: '' }),
  password: Type.String({ maxLength: 1000, default: '' }),
  next: Type.Optional(Type.String({ maxLength: 2000 })),
})

/** The query of the sign-in pages: where to go after signing in. */
export const LoginQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) })
