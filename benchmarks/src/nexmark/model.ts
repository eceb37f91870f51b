/**
 * The Nexmark data model (an online auction system): people register,
 * open auctions, and bid on them. Field names follow the Nexmark schema;
 * times are epoch milliseconds (event time).
 */

export interface Person {
  readonly kind: 'person';
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
  readonly extra: string;
}

export interface Auction {
  readonly kind: 'auction';
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  /** When the auction closes (epoch ms, after `dateTime`). */
  readonly expires: number;
  /** The selling person's id. */
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

export interface Bid {
  readonly kind: 'bid';
  /** The auction's id. */
  readonly auction: number;
  /** The bidding person's id. */
  readonly bidder: number;
  /** In cents. */
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

export type NexmarkEvent = Person | Auction | Bid;

export const isPerson = (e: NexmarkEvent): e is Person => e.kind === 'person';
export const isAuction = (e: NexmarkEvent): e is Auction => e.kind === 'auction';
export const isBid = (e: NexmarkEvent): e is Bid => e.kind === 'bid';
