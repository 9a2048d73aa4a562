//! A fixed-size log-linear latency histogram (8 buckets per power of two, in microseconds): cheap to
//! record on the hot path, mergeable across processes (the soak's killed-and-restarted engines), and
//! accurate to about 12% at any percentile.

use serde::{Deserialize, Serialize};

const SUB_BUCKETS: u32 = 8;
const BUCKETS: usize = 64 * SUB_BUCKETS as usize;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
    max_us: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            counts: vec![0; BUCKETS],
            total: 0,
            max_us: 0,
        }
    }
}

fn bucket_of(us: u64) -> usize {
    if us < SUB_BUCKETS as u64 {
        return us as usize;
    }
    let exponent = 63 - us.leading_zeros();
    let sub = (us >> (exponent - 3)) & (SUB_BUCKETS as u64 - 1);
    (exponent * SUB_BUCKETS + sub as u32) as usize
}

/// The largest value that falls in `bucket`.
fn upper_bound(bucket: usize) -> u64 {
    // Values below 8 µs have a bucket each (0–7); buckets 8–23 are never used (the first
    // power-of-two group is exponent 3, starting at bucket 24).
    if bucket < 3 * SUB_BUCKETS as usize {
        return (bucket as u64).min(SUB_BUCKETS as u64 - 1);
    }
    let exponent = bucket as u32 / SUB_BUCKETS;
    let sub = bucket as u64 % SUB_BUCKETS as u64;
    ((SUB_BUCKETS as u64 + sub + 1) << (exponent - 3)) - 1
}

impl LatencyHistogram {
    pub fn record_us(&mut self, us: u64) {
        let bucket = bucket_of(us).min(BUCKETS - 1);
        self.counts[bucket] += 1;
        self.total += 1;
        self.max_us = self.max_us.max(us);
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max_us = self.max_us.max(other.max_us);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The value at quantile `q` (0–1), in milliseconds (bucket upper bound, capped at the maximum).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return upper_bound(bucket).min(self.max_us) as f64 / 1000.0;
            }
        }
        self.max_us as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_the_bucket_resolution() {
        let mut h = LatencyHistogram::default();
        for us in 1..=10_000u64 {
            h.record_us(us);
        }
        let p99 = h.quantile_ms(0.99);
        assert!((9.9..=11.2).contains(&p99), "p99 {p99}");
        let p50 = h.quantile_ms(0.5);
        assert!((5.0..=5.7).contains(&p50), "p50 {p50}");
    }

    #[test]
    fn merging_adds_counts() {
        let mut a = LatencyHistogram::default();
        let mut b = LatencyHistogram::default();
        a.record_us(100);
        b.record_us(50_000);
        a.merge(&b);
        assert_eq!(a.count(), 2);
        assert!(a.quantile_ms(1.0) >= 49.0);
    }

    #[test]
    fn every_value_lands_in_a_bucket_that_contains_it() {
        for us in [0u64, 1, 7, 8, 9, 15, 16, 17, 1000, 123_456, 10_000_000] {
            let bucket = bucket_of(us);
            assert!(upper_bound(bucket) >= us, "{us}");
            if bucket > 0 {
                assert!(upper_bound(bucket - 1) < us, "{us}");
            }
        }
    }
}
