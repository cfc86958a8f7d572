// SMPP protocol helpers shared by the carrier connector (libs/carriers/src/smpp), the customer
// gateway (apps/smpp-gateway) and the simulator (apps/carrier-sim). Typings of the npm `smpp`
// package: smpp.d.ts here.
export * from './addresses';
export * from './command-status';
export * from './library-adapter';
export * from './user-data-params';
export * from './write-coalescing';
