//! Measuring: CPU time, resident memory, heap allocations, and the figures' formatting.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The system allocator, counting allocations (`alloc`, `alloc_zeroed` and `realloc`) of every
/// thread of the client process.
pub struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Heap allocations so far, all threads.
pub fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// CPU time and allocations of a stretch of work.
#[derive(Clone, Copy)]
pub struct Meter {
    cpu: Duration,
    allocations: u64,
}

impl Meter {
    pub fn start() -> Self {
        Self {
            cpu: cpu_time(),
            allocations: allocations(),
        }
    }

    /// CPU time and allocations since `start`.
    pub fn read(self) -> (Duration, u64) {
        (cpu_time() - self.cpu, allocations() - self.allocations)
    }
}

/// User + system CPU time of this process.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage writes into the struct it is given, which is plain old data.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// A `Vm…` figure of `/proc/self/status`, in bytes.
pub fn vm(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Resets the peak resident memory (`VmHWM`) to the current resident memory, where the kernel
/// allows it.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One side's run in one round: units done (requests, events, items), wall time, CPU time and
/// allocations.
#[derive(Clone, Copy)]
pub struct Sample {
    pub rate: f64,
    pub cpu_ns: f64,
    pub allocations: f64,
}

/// One side's samples over the rounds.
#[derive(Default)]
pub struct Figures {
    pub samples: Vec<Sample>,
}

impl Figures {
    /// Median units per second.
    pub fn rate(&self) -> f64 {
        median(self.samples.iter().map(|s| s.rate).collect())
    }

    /// Median CPU nanoseconds per unit (all threads of the client process).
    pub fn cpu_ns(&self) -> f64 {
        median(self.samples.iter().map(|s| s.cpu_ns).collect())
    }

    /// Median heap allocations per unit (all threads of the client process).
    pub fn allocations(&self) -> f64 {
        median(self.samples.iter().map(|s| s.allocations).collect())
    }

    /// The ratio of each round's rate to `other`'s in the same round (rounds run next to each
    /// other).
    fn round_ratios(&self, other: &Figures) -> Vec<f64> {
        self.samples
            .iter()
            .zip(&other.samples)
            .map(|(a, b)| a.rate / b.rate)
            .collect()
    }

    /// The median of the rounds' ratios of this side's rate to `other`'s.
    pub fn ratio(&self, other: &Figures) -> f64 {
        median(self.round_ratios(other))
    }

    /// The middle half of the rounds' ratios (first and third quartiles): how far one round's
    /// ratio may stray from the median on this machine.
    pub fn ratio_quartiles(&self, other: &Figures) -> (f64, f64) {
        let mut ratios = self.round_ratios(other);
        ratios.sort_by(|a, b| a.total_cmp(b));
        if ratios.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
        (at(0.25), at(0.75))
    }
}

/// The order of the sides in round `round`: the rows of a Williams design, in which every side
/// runs first as often as every other, and follows every other side as often as any (for an
/// odd number of sides, a row and its mirror), so that neither a change of the machine's load
/// nor what the previous side left behind (warm caches, idle connections, timers) favours one
/// side.
pub fn order(sides: usize, round: usize) -> Vec<usize> {
    // First row: 0, 1, n-1, 2, n-2, ...; row r adds r to each.
    let first: Vec<usize> = (0..sides)
        .map(|k| {
            if k % 2 == 1 {
                k.div_ceil(2)
            } else {
                (sides - k / 2) % sides
            }
        })
        .collect();
    let shift = round % sides;
    let row: Vec<usize> = first.iter().map(|s| (s + shift) % sides).collect();
    let mirrored = sides % 2 == 1 && (round / sides) % 2 == 1;
    let row: Vec<usize> = if mirrored {
        row.into_iter().rev().collect()
    } else {
        row
    };
    let mut seen = row.clone();
    seen.sort_unstable();
    assert!(
        seen.iter().copied().eq(0..sides),
        "{row:?} runs every side once"
    );
    row
}

/// Runs `sides` sides `rounds` times each, in the [`order`] of each round (so that a change of
/// the machine's load hits every side alike). `run(side)` does the work and returns the units
/// it did.
pub fn interleave(
    names: &[&str],
    rounds: usize,
    unit: &str,
    mut run: impl FnMut(usize) -> u64,
) -> Vec<Figures> {
    let mut figures: Vec<Figures> = names.iter().map(|_| Figures::default()).collect();
    for round in 0..rounds {
        for side in order(names.len(), round) {
            let meter = Meter::start();
            let start = std::time::Instant::now();
            let units = run(side);
            let wall = start.elapsed();
            let (cpu, allocations) = meter.read();
            let sample = Sample {
                rate: units as f64 / wall.as_secs_f64(),
                cpu_ns: cpu.as_nanos() as f64 / units as f64,
                allocations: allocations as f64 / units as f64,
            };
            eprintln!(
                "  {:<44} {:>12} {unit}/s {:>7.0} ns CPU/{unit} {:>6.2} allocations/{unit}",
                names[side],
                thousands(sample.rate),
                sample.cpu_ns,
                sample.allocations
            );
            figures[side].samples.push(sample);
        }
    }
    figures
}
