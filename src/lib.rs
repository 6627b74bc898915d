//! Pingyi widget.
