import { ChainedLookup, NumberLookup, PrefixTableLookup } from './number-lookup';

it('finds the network by the longest prefix', async () => {
  const table = new PrefixTableLookup({ '1415': '310260', '14155': '310410', '44': '23415' });
  expect(await table.lookup('+14155552671')).toEqual({ network: '310410', source: 'prefix_table' });
  expect(await table.lookup('+14151234567')).toEqual({ network: '310260', source: 'prefix_table' });
  expect(await table.lookup('+33612345678')).toBeUndefined();
});

it('falls back to the next provider when one fails or does not know', async () => {
  const errors: string[] = [];
  const failing: NumberLookup = { lookup: async () => Promise.reject(new Error('HLR down')) };
  const unknown: NumberLookup = { lookup: async () => undefined };
  const chain = new ChainedLookup([failing, unknown, new PrefixTableLookup({ '1': '310260' })], (err) => errors.push(err.message));
  expect(await chain.lookup('+14155552671')).toEqual({ network: '310260', source: 'prefix_table' });
  expect(errors).toEqual(['HLR down']);
});
