"""The parts of bench/live.py, the load generator (the command itself stays bench/live.py).

- `measure`: progress on stderr, percentiles, /proc sampling (RSS, CPU), the JSON result line;
- `clients`: the simulated phones, the board and the floor's relay clients;
- `runs`: the café half, the floor half and the rehearsal, with the steps they share;
- `processes`: starting and stopping run.py and bench/relay_server.py, PostgreSQL schemas, limits;
- `cli`: presets, options, one configuration end to end (temp dir, servers, both halves).

The Socket.IO client itself (`Sio`, the websocket layers, `Stats`) is tests/wire.py, shared
with the fault tests.
"""
