/**
 * The product catalogue: classicmodels' seven product lines and eight
 * scales, and products built from them. A product's line and scale depend
 * only on its index (product i is in line i mod 7, and the scales cycle
 * within each line), so every line has every scale about equally often at
 * any catalogue size and for any seed; names, vendors, stock and prices are
 * drawn from the seed.
 */
import type { ProductLineRow, ProductRow } from './contracts.js';
import { randomStream } from './random.js';

/** classicmodels' product lines. */
export const PRODUCT_LINES = ['Classic Cars', 'Motorcycles', 'Planes', 'Ships', 'Trains', 'Trucks and Buses', 'Vintage Cars'] as const;
export type ProductLine = (typeof PRODUCT_LINES)[number];

/** classicmodels' scales, largest models first. */
export const PRODUCT_SCALES = ['1:10', '1:12', '1:18', '1:24', '1:32', '1:50', '1:72', '1:700'] as const;
export type ProductScale = (typeof PRODUCT_SCALES)[number];

/** classicmodels' catalogue size (110 products). */
export const DEFAULT_PRODUCT_COUNT = 110;
/** Product codes have a 4-digit serial up to this many products, 5 digits above (up to {@link MAX_PRODUCT_COUNT}). */
const FOUR_DIGIT_PRODUCTS = 9_000;
/** The largest catalogue the code scheme supports. */
export const MAX_PRODUCT_COUNT = 90_000;

const LINE_DESCRIPTIONS: Record<ProductLine, string> = {
  'Classic Cars': 'Attention car enthusiasts: make your wildest car ownership dreams come true with detailed replicas of classic cars.',
  Motorcycles: 'Our motorcycles are state of the art replicas of classic as well as contemporary motorcycle legends.',
  Planes: 'Unique, diecast airplane and helicopter replicas suitable for collections, as well as home, office or classroom decorations.',
  Ships: 'The perfect holiday or anniversary gift for executives, clients, friends, and family: handcrafted model ships.',
  Trains: 'Model trains are a rewarding hobby for enthusiasts of all ages, from starter sets to the big classics.',
  'Trucks and Buses': 'The Truck and Bus models are realistic replicas of buses and specialized trucks produced from the early 1920s to present.',
  'Vintage Cars': 'Our Vintage Car models realistically portray automobiles produced from the early 1900s through the 1940s.',
};

const SUBJECTS: Record<ProductLine, readonly string[]> = {
  'Classic Cars': ['Ferrari Enzo', 'Mercedes-Benz SL', 'Chevy Corvette', 'Ford Mustang', 'Porsche 911', 'Jaguar E-type', 'Aston Martin DB5', 'Alfa Romeo Spider', 'Dodge Charger', 'Plymouth Barracuda', 'Toyota Supra', 'Lamborghini Diablo'],
  Motorcycles: ['Harley Davidson Eagle', 'Ducati 900 Monster', 'Honda CBR', 'Suzuki XREO', 'BMW R 1100 S', 'Triumph Bonneville', 'Indian Chief', 'Yamaha YZF'],
  Planes: ['Spitfire', 'P-51 Mustang', 'Boeing 747', 'Corsair F4U', 'Douglas DC-3', 'Concorde', 'Piper J-3 Cub', 'Junkers Ju-52', 'F/A 18 Hornet'],
  Ships: ['HMS Bounty', 'Mayflower', 'Titanic', 'Queen Mary', 'USS Constitution', 'Cutty Sark', 'Pont Yacht', 'Santa Maria', 'Victory'],
  Trains: ['Collectable Wooden Train', 'Union Pacific Big Boy', 'Flying Scotsman', 'Orient Express', 'Shinkansen', 'Mallard', 'TGV Duplex'],
  'Trucks and Buses': ['Ford F-150', 'Mack Dump Truck', 'Greyhound Bus', 'VW Bus', 'Peterbilt 379', 'London Double Decker', 'Kenworth W900', 'Dodge Fire Truck'],
  'Vintage Cars': ['Ford Model T', 'Bugatti Type 35', 'Duesenberg SJ', 'Packard Phaeton', 'Rolls-Royce Phantom', 'Mercedes SSK', 'Chevrolet Fleetline', 'Cord 812'],
};

const VENDORS = [
  'Min Lin Diecast', 'Classic Metal Creations', 'Highway 66 Mini Classics', 'Red Start Diecast', 'Motor City Art Classics', 'Second Gear Diecast',
  'Autoart Studio Design', 'Welly Diecast Productions', 'Unimax Art Galleries', 'Studio M Art Models', 'Exoto Designs', 'Gearbox Collectibles',
  'Carousel DieCast Legends',
];

/** Typical buying price range per scale (bigger models cost more). */
const BUY_PRICE_RANGE: Record<ProductScale, readonly [number, number]> = {
  '1:10': [55, 100],
  '1:12': [50, 95],
  '1:18': [40, 90],
  '1:24': [30, 75],
  '1:32': [25, 65],
  '1:50': [20, 55],
  '1:72': [15, 45],
  '1:700': [15, 50],
};

/** The productlines rows. */
export function productLineRows(): ProductLineRow[] {
  return PRODUCT_LINES.map((productLine) => ({ productLine, textDescription: LINE_DESCRIPTIONS[productLine] }));
}

/**
 * Where each line's cycle of scales starts. In the default catalogue the
 * last two lines have 15 products, one short of every scale twice; these
 * offsets make the missing ones 1:32 and 1:700, the scales no segment
 * prefers, so every segment has exactly 8 preferred products.
 */
const SCALE_OFFSETS = [0, 3, 6, 1, 4, 5, 0] as const;

/** The line and scale of product `index` (independent of the seed). */
export function productShape(index: number): { readonly line: ProductLine; readonly scale: ProductScale } {
  const lineIndex = index % PRODUCT_LINES.length;
  const withinLine = Math.floor(index / PRODUCT_LINES.length);
  return {
    line: PRODUCT_LINES[lineIndex] as ProductLine,
    scale: PRODUCT_SCALES[(withinLine + (SCALE_OFFSETS[lineIndex] as number)) % PRODUCT_SCALES.length] as ProductScale,
  };
}

/** The product code of product `index`: `S<scale>_<serial>` like classicmodels' `S10_1678`; unique within a catalogue. */
export function productCode(index: number, count: number): string {
  const { scale } = productShape(index);
  const denominator = scale.slice(2);
  // 7919 is prime and divides neither 9,000 nor 90,000: index ↦ serial is one-to-one.
  const serial = count <= FOUR_DIGIT_PRODUCTS ? 1000 + ((index * 7919) % 9000) : 10000 + ((index * 7919) % 90000);
  return `S${denominator}_${serial}`;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Builds the catalogue (small: kept in memory).
 *
 * ```ts
 * const products = buildCatalog(110, 42);
 * products[0]; // { productCode: 'S10_1000', productLine: 'Classic Cars', productScale: '1:10', … }
 * ```
 */
export function buildCatalog(count: number, seed: number): ProductRow[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PRODUCT_COUNT) {
    throw new RangeError(`products must be an integer in [1, ${MAX_PRODUCT_COUNT}], got ${count}`);
  }
  const products: ProductRow[] = [];
  for (let i = 0; i < count; i++) {
    const random = randomStream(seed, 'products', i);
    const { line, scale } = productShape(i);
    const year = line === 'Vintage Cars' ? random.int(1903, 1940) : line === 'Ships' ? random.int(1650, 1960) : random.int(1936, 2005);
    const subject = random.pick(SUBJECTS[line]);
    const buyPrice = round2(random.uniform(...BUY_PRICE_RANGE[scale]));
    const vendor = random.pick(VENDORS);
    products.push({
      productCode: productCode(i, count),
      productName: `${year} ${subject}`,
      productLine: line,
      productScale: scale,
      productVendor: vendor,
      productDescription: `${scale} scale ${line === 'Ships' || line === 'Planes' ? 'replica' : 'die-cast model'} of the ${year} ${subject}, by ${vendor}.`,
      quantityInStock: random.int(0, 9999),
      buyPrice,
      MSRP: round2(buyPrice * random.uniform(1.45, 2.05)),
    });
  }
  return products;
}
