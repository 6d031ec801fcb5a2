"""A tiny dedicated game server: UDP on $PORT (default 7777), one datagram in, one out.

Clients send ``JOIN <name>``, ``PING`` or any text; the server answers with the tick it has
reached, echoing the payload, and forgets players silent for longer than ``IDLE_SECONDS``.
"""

from __future__ import annotations

import asyncio
import os
import time

TICK_SECONDS = 1 / 30
IDLE_SECONDS = 30.0
Address = tuple[str, int]


class GameServer(asyncio.DatagramProtocol):
    """Answer every datagram with the current tick; track who is playing."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.players: dict[Address, tuple[str, float]] = {}
        self.tick = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Address) -> None:
        text = data.decode("utf-8", "replace").strip()
        name = self.players.get(addr, ("anonymous", 0.0))[0]
        if text.startswith("JOIN "):
            name = text[5:].strip()[:32] or name
        self.players[addr] = (name, time.monotonic())
        reply = f"tick={self.tick} players={len(self.players)} you={name} echo={text}"
        if self.transport is not None:
            self.transport.sendto(reply.encode(), addr)

    def step(self) -> None:
        """Advance the simulation one tick and drop idle players."""
        self.tick += 1
        now = time.monotonic()
        for addr, (_, seen) in list(self.players.items()):
            if now - seen > IDLE_SECONDS:
                del self.players[addr]


async def main() -> None:
    """Serve until the process is stopped."""
    port = int(os.environ.get("PORT", "7777"))
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(
        GameServer, local_addr=("0.0.0.0", port)
    )
    print(f"game server listening on udp/{port}", flush=True)
    try:
        while True:
            server.step()
            await asyncio.sleep(TICK_SECONDS)
    finally:
        transport.close()


if __name__ == "__main__":
    asyncio.run(main())
