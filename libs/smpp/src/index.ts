// SMPP protocol helpers shared by the carrier connector, the gateway and the simulator.
