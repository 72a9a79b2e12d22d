/** What admins type into the search box: parts of names in four languages, logins, e-mail domains, phones, streets, cities, ids. */
export const TERMS = [
  'kowal', 'nowak', 'olena', 'коваленко', 'шевч', 'garcía', 'lópez', 'martinez', 'smith', 'williams',
  'kraków', 'lviv', 'київ', 'madrid', 'london', 'gdańsk', 'sevilla', 'bristol', 'poznań', 'харків',
  'gmail', 'wp.pl', 'ukr.net', 'hotmail.es', '+48 6', '+380 67', '+34 6', '612', 'high street', 'calle mayor',
  'ul. długa', 'вул. франка', 'panadería', 'dental', 'ltd', 'anna nowak', 'jan kowalski', 'maria garcia', 'olena.kovalenko',
  'oliver.smith12', 'tkachenko4', 'zofia', 'álvaro', 'bohdan', 'grace', 'sophie', 'sanchez', 'melnyk', '4242', '77',
]

