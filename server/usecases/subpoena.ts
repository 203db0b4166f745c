/**
 * Subpoena and preservation lists (`spamcase subpoena networks|accounts`, the web's subpoena page and
 * its downloads): per network operator, the originating IPs with each delivery's UTC times; per
 * account provider, the accounts with first and last seen and counts (attribution/subpoena.ts).
 */
import * as v from 'valibot';
import { storeDir, type Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import {
  networkDeliveries,
  providerAccounts,
  summarizeNetworks,
  summarizeProviders,
  type NetworkDeliveryRow,
  type NetworkOperatorSummary,
  type ProviderAccountRow,
  type ProviderSummary,
} from '../attribution/subpoena.ts';
import { OWNER_DATA, OWNER_DATA_LABEL } from '../networks/owners.ts';
import { cellsOf, SUBPOENA_ACCOUNTS, SUBPOENA_NETWORKS } from '../csv/columns.ts';
import type { ListCsv } from './lists.ts';
import { caseName, oneOf, type Input } from './input.ts';

export const SUBPOENA_LISTS = ['networks', 'accounts'] as const;

export const subpoenaInput = v.object({ case: caseName, list: oneOf(SUBPOENA_LISTS) });
export type SubpoenaInput = Input<typeof subpoenaInput>;

/** What both lists say about the owner data set: the label and the full record (licence, attribution). */
export const OWNER_NOTE = { label: OWNER_DATA_LABEL, ...OWNER_DATA };

export interface NetworkList {
  list: 'networks';
  ownerData: typeof OWNER_NOTE;
  operators: NetworkOperatorSummary[];
  deliveries: NetworkDeliveryRow[];
}

export interface AccountList {
  list: 'accounts';
  providers: ProviderSummary[];
  accounts: ProviderAccountRow[];
}

export async function subpoenaList(ctx: Context, input: { case: string; list: 'networks' }): Promise<NetworkList>;
export async function subpoenaList(ctx: Context, input: { case: string; list: 'accounts' }): Promise<AccountList>;
export async function subpoenaList(ctx: Context, input: SubpoenaInput): Promise<NetworkList | AccountList>;
export async function subpoenaList(ctx: Context, input: SubpoenaInput): Promise<NetworkList | AccountList> {
  const c = await getCase(ctx.db.knex, input.case);
  if (input.list === 'networks') {
    const deliveries = await networkDeliveries(ctx.db.knex, c.id, storeDir(ctx, c.slug));
    return { list: 'networks', ownerData: OWNER_NOTE, operators: summarizeNetworks(deliveries), deliveries };
  }
  const accounts = await providerAccounts(ctx.db.knex, c.id);
  return { list: 'accounts', providers: summarizeProviders(accounts), accounts };
}

export const SUBPOENA_NETWORKS_CSV: ListCsv<NetworkDeliveryRow> = {
  columns: SUBPOENA_NETWORKS.list!,
  cells: (r) =>
    cellsOf(SUBPOENA_NETWORKS.list!, {
      asn: r.asn,
      network_operator: r.networkOperator,
      originating_ip: r.ip,
      received_utc: r.receivedUtc,
      date_header_utc: r.dateHeaderUtc,
      bates: r.bates,
      account: r.account,
      recipient: r.recipient,
      owner_data: r.ownerData,
    }),
};

export const SUBPOENA_ACCOUNTS_CSV: ListCsv<ProviderAccountRow> = {
  columns: SUBPOENA_ACCOUNTS.list!,
  cells: (r) =>
    cellsOf(SUBPOENA_ACCOUNTS.list!, {
      account_provider: r.accountProvider,
      account: r.account,
      domain: r.domain,
      first_seen_utc: r.firstSeenUtc,
      last_seen_utc: r.lastSeenUtc,
      deliveries: r.deliveries,
      items: r.items,
      messages: r.messages,
    }),
};
