//! The outbox state machine: which pending ballots to send next, and when to retry.
