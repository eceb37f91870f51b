/**
 * Where the generated customers live: three regions (country groups), their
 * countries, cities, states and postal-code formats, and the names and
 * streets customer rows are made of. The region of a country is one half of
 * a customer's segment (see preferences.ts).
 */
import type { Random } from './random.js';

/** The country groups of the planted preference structure. */
export const REGIONS = ['Europe', 'North America', 'APAC'] as const;
export type Region = (typeof REGIONS)[number];

/** A city and its state (null where the country has none in classicmodels). */
export interface City {
  readonly city: string;
  readonly state: string | null;
}

/** A country, its region, cities, postal-code pattern (`#` digit, `A` letter) and phone prefix. */
export interface Country {
  readonly country: string;
  readonly region: Region;
  readonly cities: readonly City[];
  readonly postalCode: string;
  readonly phone: string;
  /** Relative share of the region's customers. */
  readonly weight: number;
}

const c = (city: string, state: string | null = null): City => ({ city, state });

/** Every country customers (and new visitors) come from. */
export const COUNTRIES: readonly Country[] = [
  { country: 'France', region: 'Europe', postalCode: '#####', phone: '+33', weight: 3, cities: [c('Paris'), c('Nantes'), c('Lyon'), c('Marseille'), c('Strasbourg'), c('Lille'), c('Reims')] },
  { country: 'Germany', region: 'Europe', postalCode: '#####', phone: '+49', weight: 3, cities: [c('Berlin'), c('Munich'), c('Frankfurt'), c('Cologne'), c('Stuttgart'), c('Hamburg')] },
  { country: 'UK', region: 'Europe', postalCode: 'A# #AA', phone: '+44', weight: 3, cities: [c('London'), c('Manchester'), c('Liverpool'), c('Cowes', 'Isle of Wight'), c('Edinburgh')] },
  { country: 'Spain', region: 'Europe', postalCode: '#####', phone: '+34', weight: 2, cities: [c('Madrid'), c('Barcelona'), c('Sevilla'), c('Valencia')] },
  { country: 'Italy', region: 'Europe', postalCode: '#####', phone: '+39', weight: 2, cities: [c('Milan'), c('Torino'), c('Bergamo'), c('Reggio Emilia')] },
  { country: 'Norway', region: 'Europe', postalCode: '####', phone: '+47', weight: 1, cities: [c('Oslo'), c('Bergen'), c('Stavern')] },
  { country: 'Sweden', region: 'Europe', postalCode: '### ##', phone: '+46', weight: 1, cities: [c('Stockholm'), c('Lulea'), c('Bräcke')] },
  { country: 'Denmark', region: 'Europe', postalCode: '####', phone: '+45', weight: 1, cities: [c('Kobenhavn'), c('Aarhus'), c('Odense')] },
  { country: 'Finland', region: 'Europe', postalCode: '#####', phone: '+358', weight: 1, cities: [c('Helsinki'), c('Espoo'), c('Oulu')] },
  { country: 'Switzerland', region: 'Europe', postalCode: '####', phone: '+41', weight: 1, cities: [c('Bern'), c('Genève'), c('Zurich')] },
  { country: 'Belgium', region: 'Europe', postalCode: '####', phone: '+32', weight: 1, cities: [c('Bruxelles'), c('Charleroi'), c('Antwerpen')] },
  { country: 'Austria', region: 'Europe', postalCode: '####', phone: '+43', weight: 1, cities: [c('Graz'), c('Salzburg'), c('Wien')] },
  { country: 'Ireland', region: 'Europe', postalCode: 'A## AAAA', phone: '+353', weight: 1, cities: [c('Dublin'), c('Cork')] },
  { country: 'Netherlands', region: 'Europe', postalCode: '#### AA', phone: '+31', weight: 1, cities: [c('Amsterdam'), c('Rotterdam'), c('Utrecht')] },
  { country: 'USA', region: 'North America', postalCode: '#####', phone: '+1', weight: 7, cities: [
    c('NYC', 'NY'), c('White Plains', 'NY'), c('San Francisco', 'CA'), c('Los Angeles', 'CA'), c('San Diego', 'CA'), c('San Jose', 'CA'),
    c('Boston', 'MA'), c('Cambridge', 'MA'), c('New Haven', 'CT'), c('Philadelphia', 'PA'), c('Allentown', 'PA'), c('Las Vegas', 'NV'),
    c('Chicago', 'IL'), c('Seattle', 'WA'), c('Portland', 'OR'), c('Austin', 'TX'), c('Denver', 'CO'), c('Miami', 'FL'),
  ] },
  { country: 'Canada', region: 'North America', postalCode: 'A#A #A#', phone: '+1', weight: 2, cities: [c('Montréal', 'Québec'), c('Vancouver', 'BC'), c('Tsawassen', 'BC'), c('Toronto', 'ON'), c('Calgary', 'AB')] },
  { country: 'Mexico', region: 'North America', postalCode: '#####', phone: '+52', weight: 1, cities: [c('Mexico City', 'CDMX'), c('Guadalajara', 'Jalisco'), c('Monterrey', 'Nuevo León')] },
  { country: 'Australia', region: 'APAC', postalCode: '####', phone: '+61', weight: 3, cities: [c('Melbourne', 'Victoria'), c('Sydney', 'NSW'), c('Chatswood', 'NSW'), c('North Sydney', 'NSW'), c('Glen Waverly', 'Victoria'), c('Brisbane', 'Queensland')] },
  { country: 'Japan', region: 'APAC', postalCode: '###-####', phone: '+81', weight: 3, cities: [c('Tokyo', 'Tokyo'), c('Osaka', 'Osaka'), c('Kobe', 'Hyogo'), c('Nagoya', 'Aichi')] },
  { country: 'Singapore', region: 'APAC', postalCode: '######', phone: '+65', weight: 2, cities: [c('Singapore')] },
  { country: 'New Zealand', region: 'APAC', postalCode: '####', phone: '+64', weight: 2, cities: [c('Auckland'), c('Wellington'), c('Christchurch')] },
  { country: 'Philippines', region: 'APAC', postalCode: '####', phone: '+63', weight: 1, cities: [c('Makati City'), c('Cebu City')] },
  { country: 'Hong Kong', region: 'APAC', postalCode: '######', phone: '+852', weight: 1, cities: [c('Central Hong Kong'), c('Kowloon')] },
  { country: 'South Korea', region: 'APAC', postalCode: '#####', phone: '+82', weight: 1, cities: [c('Seoul'), c('Busan')] },
];

const COUNTRY_BY_NAME: ReadonlyMap<string, Country> = new Map(COUNTRIES.map((k) => [k.country, k]));

/** The region of a country, or undefined for a country the generator does not know. */
export function regionOf(country: string): Region | undefined {
  return COUNTRY_BY_NAME.get(country)?.region;
}

/** The countries of each region with their weights, for drawing. */
const COUNTRIES_BY_REGION: ReadonlyMap<Region, { readonly countries: readonly Country[]; readonly weights: readonly number[] }> = new Map(
  REGIONS.map((region) => {
    const countries = COUNTRIES.filter((k) => k.region === region);
    return [region, { countries, weights: countries.map((k) => k.weight) }];
  }),
);

/** Draws a country of the region (by weight) and one of its cities. */
export function drawPlace(random: Random, region: Region): { readonly country: Country; readonly city: City } {
  const { countries, weights } = COUNTRIES_BY_REGION.get(region) as { countries: readonly Country[]; weights: readonly number[] };
  const country = countries[random.weighted(weights)] as Country;
  return { country, city: random.pick(country.cities) };
}

const LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/** Fills a pattern: `#` a digit, `A` a capital letter, anything else kept. */
export function fillPattern(random: Random, pattern: string): string {
  let out = '';
  for (const ch of pattern) out += ch === '#' ? String(random.int(0, 9)) : ch === 'A' ? LETTERS.charAt(random.int(0, LETTERS.length - 1)) : ch;
  return out;
}

export const FIRST_NAMES = [
  'Carine', 'Jean', 'Peter', 'Janine', 'Jonas', 'Susan', 'Roland', 'Julie', 'Kwai', 'Diego', 'Christina', 'Mary', 'Eric', 'Jeff', 'Kelvin',
  'Juri', 'Wendy', 'Veysel', 'Keith', 'Isabel', 'Martine', 'Marie', 'Jerry', 'Michael', 'Leslie', 'Elizabeth', 'Yoshi', 'Miguel', 'Paolo',
  'Daniel', 'Annette', 'Akiko', 'Hanna', 'Sven', 'Pirkko', 'Maria', 'Georg', 'Rosa', 'Dean', 'Valarie', 'Steve', 'Sue', 'Tony', 'Brydey',
  'Wing', 'Mei', 'Arnold', 'Frédérique', 'Helen', 'Matti', 'Palle', 'Kee', 'Ann', 'Bradley', 'Rachel', 'Jytte', 'Horst', 'Leo', 'Sarah',
];
export const LAST_NAMES = [
  'Schmitt', 'King', 'Ferguson', 'Labrune', 'Bergulfsen', 'Nelson', 'Piestrzeniewicz', 'Keitel', 'Murphy', 'Lee', 'Freyre', 'Berglund',
  'Petersen', 'Saveley', 'Natividad', 'Young', 'Leong', 'Hashimoto', 'Wang', 'Hernandez', 'Larsson', 'Frick', 'Franco', 'Roulet', 'Tonini',
  'Pfalzheim', 'Karttunen', 'Kloss', 'Ibsen', 'Camino', 'Moroni', 'Brown', 'Cartrain', 'Huang', 'Feuer', 'Walker', 'Citeaux', 'Gao',
  'Taylor', 'Thompson', 'Kuo', 'Yu', 'Suzuki', 'Ricotti', 'Accorti', 'Rance', 'Fresnière', 'Pipps', 'Sommer', 'Messner', 'Urs', 'Smith',
];
const NAME_PREFIXES = [
  'Atelier', 'Signal', 'Australian', 'La Rochelle', 'Baane', 'Mini', 'Land of', 'Euro+', 'Danish', 'Blauer See', 'Mini Wheels', 'Auto',
  'Corporate', 'Technics', 'Handji', 'Herkku', 'Osaka', 'Amica', 'Royal', 'Saveley & Henriot,', 'Dragon', 'Heintze', 'Toms', 'Vitachrome',
  'Diecast', 'Gifts4', 'Stylish', 'Rovelli', 'Classic', 'Scandinavian', 'Mit Vergnügen', 'Cambridge', 'Kelly\'s', 'Marta\'s', 'Bavarian',
];
const NAME_SUFFIXES = [
  'Gifts', 'Collectables', 'Souvenirs, Ltd.', 'Stores Inc.', 'Imports', 'Mini Auto Werke', 'Gift Shop', 'Shopping Channel', 'Replicas',
  'Models & Co.', 'Diecast Classics', 'Auto Replicas, Ltd', 'Co.', 'Direct', 'Collectibles', 'Toys', 'Boutique', 'Online', 'Extreme',
];
const STREETS = [
  'rue Royale', 'Erling Skakkes gate', 'Lyonerstr.', 'Kirchgasse', 'Hauptstr.', 'Strong St.', 'Geislweg', 'Torikatu', 'Vinbæltet',
  'Fauntleroy Circus', 'Berkeley Gardens Blvd', 'Monitor Money Building', 'Drammensveien', 'Carrera', 'Via Ludovico il Moro', 'Avda. Gran Vía',
  'Seventh Ave', 'Elm St.', 'Ocean Drive', 'Queen St.', 'Sakura-dori', 'Orchard Road', 'George St.', 'Ayala Avenue', 'Nathan Road',
];

/** A shop name in the style of classicmodels' customerName. */
export function drawCustomerName(random: Random): string {
  return random.chance(0.5) ? `${random.pick(NAME_PREFIXES)} ${random.pick(NAME_SUFFIXES)}` : `${random.pick(LAST_NAMES)} ${random.pick(NAME_SUFFIXES)}`;
}

/** A street address line. */
export function drawAddress(random: Random): string {
  return random.chance(0.5) ? `${random.int(1, 999)} ${random.pick(STREETS)}` : `${random.pick(STREETS)} ${random.int(1, 250)}`;
}
