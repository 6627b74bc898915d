//! Request limits: body size, batch size and a per-IP token-bucket rate limit.
//!
//! Text length caps (a suggestion's `max_len`, an objection's `reason_max_len`) are enforced by
//! core validation, per question, so they are the same on the phone and here. The rate limiter
//! keeps IP addresses in memory only, never on disk and never with a ballot.
//!
//! Many phones at one evening meeting may share one public address (village Wi-Fi, carrier NAT),
//! so the default bucket is generous; the limit is there against floods, not against a crowd.
//!
//! Behind a reverse proxy every request comes from the proxy's address. With the proxy listed as
//! trusted (`--trusted-proxy`), the client is the right-most `X-Forwarded-For` address that is not
//! itself a trusted proxy ([`client_ip`]); a header from anyone else is ignored, so it cannot be
//! used to dodge the limit.
//!
//! One IPv6 host usually holds a whole /64 and can pick any address in it, so IPv6 clients are
//! counted per /64 ([`bucket_key`]); an IPv4-mapped IPv6 address counts as its IPv4 address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Default largest request body: 1 MiB (a batch of 200 ballots is usually under 200 KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Default sustained rate per IP, requests per second.
pub const DEFAULT_RATE_PER_SECOND: f64 = 20.0;

/// Default burst per IP.
pub const DEFAULT_RATE_BURST: f64 = 200.0;

/// Buckets kept before idle (full) ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// Rate limit settings. A rate of 0 disables the limiter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: DEFAULT_RATE_PER_SECOND,
            burst: DEFAULT_RATE_BURST,
        }
    }
}

impl RateLimit {
    /// No limit.
    pub fn off() -> Self {
        RateLimit {
            per_second: 0.0,
            burst: 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The address a request counts against: `peer` itself, unless `peer` is a trusted proxy; then
/// the right-most address of `X-Forwarded-For` (all its headers, in order) that is not a trusted
/// proxy. Unparseable entries end the walk, leaving the last trusted address seen.
pub fn client_ip<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    trusted: &[IpAddr],
) -> IpAddr {
    let mut client = peer;
    if !trusted.contains(&peer) {
        return client;
    }
    let hops = forwarded_for.flat_map(|h| h.split(',')).rev();
    for hop in hops {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// The bucket a client address counts against: an IPv4 address itself (also when written as
/// IPv4-mapped IPv6, `::ffff:a.b.c.d`), an IPv6 address's /64 network.
pub fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
    }
}

/// Token buckets keyed by client IP ([`bucket_key`]).
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    trusted_proxies: Vec<IpAddr>,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self::behind(limit, Vec::new())
    }

    /// A limiter that reads the client address from `X-Forwarded-For` on requests from
    /// `trusted_proxies` (see [`client_ip`]).
    pub fn behind(limit: RateLimit, trusted_proxies: Vec<IpAddr>) -> Self {
        RateLimiter {
            limit,
            trusted_proxies,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn enabled(&self) -> bool {
        self.limit.per_second > 0.0 && self.limit.burst >= 1.0
    }

    /// Take one token for `ip` at time `now`. `Err(wait)` says how long until a token is free.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        if !self.enabled() {
            return Ok(());
        }
        let RateLimit { per_second, burst } = self.limit;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| {
                let refilled =
                    b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * per_second;
                refilled < burst
            });
        }
        let b = buckets.entry(bucket_key(ip)).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(b.updated).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_second).min(burst);
        b.updated = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / per_second))
        }
    }
}

/// Middleware: 429 `rate_limited` with `Retry-After` when the client's bucket is empty.
/// Requests without a known peer address (in-process calls) are not limited.
pub async fn rate_limit(
    State(limiter): State<Arc<RateLimiter>>,
    req: Request,
    next: Next,
) -> Response {
    // The headers are only read (lazily) when the peer is a trusted proxy.
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        client_ip(c.0.ip().to_canonical(), forwarded, &limiter.trusted_proxies)
    });
    if let Some(ip) = ip {
        if let Err(wait) = limiter.check(ip, Instant::now()) {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut resp = ApiError::rate_limited(secs).into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            return resp;
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_read_from_forwarded_for_only_behind_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = ip("10.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        // Not from a trusted proxy: the header is ignored (anyone can send it).
        assert_eq!(
            client_ip(ip("1.2.3.4"), ["9.9.9.9"].into_iter(), &trusted),
            ip("1.2.3.4")
        );
        // From the proxy: the right-most untrusted hop.
        assert_eq!(
            client_ip(proxy, ["9.9.9.9, 5.6.7.8"].into_iter(), &trusted),
            ip("5.6.7.8")
        );
        assert_eq!(
            client_ip(
                proxy,
                ["9.9.9.9, 5.6.7.8", " 10.0.0.2 "].into_iter(),
                &trusted
            ),
            ip("5.6.7.8"),
            "proxies in a chain are skipped, across headers"
        );
        assert_eq!(
            client_ip(proxy, [" 2001:db8::7 "].into_iter(), &trusted),
            ip("2001:db8::7")
        );
        // No header, or garbage: the proxy itself (one shared bucket, as without the option).
        assert_eq!(client_ip(proxy, [].into_iter(), &trusted), proxy);
        assert_eq!(client_ip(proxy, ["unknown"].into_iter(), &trusted), proxy);
        assert_eq!(
            client_ip(proxy, ["5.6.7.8, junk"].into_iter(), &trusted),
            proxy
        );
        // Without trusted proxies nothing changes.
        assert_eq!(client_ip(proxy, ["5.6.7.8"].into_iter(), &[]), proxy);
    }

    #[test]
    fn bucket_empties_and_refills() {
        let l = RateLimiter::new(RateLimit {
            per_second: 2.0,
            burst: 3.0,
        });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check(ip, t0).is_ok());
        }
        let wait = l.check(ip, t0).unwrap_err();
        assert!(wait <= Duration::from_millis(500) && wait > Duration::ZERO);
        assert!(l.check(other, t0).is_ok(), "buckets are per address");
        assert!(
            l.check(ip, t0 + Duration::from_millis(500)).is_ok(),
            "one token back after 0.5 s"
        );
        assert!(l.check(ip, t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(bucket_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(bucket_key(ip("192.0.2.7")), ip("192.0.2.7"));
        let l = RateLimiter::new(RateLimit {
            per_second: 1.0,
            burst: 2.0,
        });
        let t0 = Instant::now();
        assert!(l.check(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(l.check(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), t0).is_ok());
        assert!(
            l.check(ip("2001:db8:1:2:1234::99"), t0).is_err(),
            "another address of the same /64 shares the bucket"
        );
        assert!(l.check(ip("2001:db8:1:3::1"), t0).is_ok(), "another /64");
        assert!(l.check(ip("192.0.2.7"), t0).is_ok());
        assert!(l.check(ip("::ffff:192.0.2.7"), t0).is_ok());
        assert!(
            l.check(ip("192.0.2.7"), t0).is_err(),
            "a mapped IPv4 address is the same client"
        );
    }

    #[test]
    fn zero_rate_means_off() {
        let l = RateLimiter::new(RateLimit::off());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..10_000 {
            assert!(l.check(ip, Instant::now()).is_ok());
        }
    }
}
