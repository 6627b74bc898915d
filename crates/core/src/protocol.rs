//! Wire types of the pingyi/1 collection protocol (see docs/protocol.md).
