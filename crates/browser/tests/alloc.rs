//! The size-class allocator (`pingyi_browser::alloc`) run natively over memory from a vector:
//! every block is aligned, inside the memory, overlaps no live block and keeps its bytes through
//! `realloc`; freed blocks are used again, so a long session that repeats the same work does not
//! keep taking pages.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use pingyi_browser::alloc::{Classes, Heap, Pages, PAGE};
use proptest::prelude::*;

/// Pages from one large buffer, given out in order; `gaps` leaves a page unused before some grows,
/// as when something else grows the memory too.
struct Buffer {
    base: usize,
    used: usize,
    limit: usize,
    gaps: Vec<bool>,
    grows: Rc<RefCell<usize>>,
    _memory: Vec<u8>,
}

impl Buffer {
    fn new(limit_pages: usize, gaps: Vec<bool>) -> (Buffer, Rc<RefCell<usize>>) {
        let memory = vec![0u8; (limit_pages + 1) * PAGE];
        let base = (memory.as_ptr() as usize).next_multiple_of(PAGE);
        let grows = Rc::new(RefCell::new(0));
        let buffer = Buffer {
            base,
            used: 0,
            limit: limit_pages,
            gaps,
            grows: grows.clone(),
            _memory: memory,
        };
        (buffer, grows)
    }
}

impl Pages for Buffer {
    fn grow(&mut self, pages: usize) -> Option<usize> {
        let n = *self.grows.borrow();
        *self.grows.borrow_mut() += 1;
        if self.gaps.get(n).copied().unwrap_or(false) {
            self.used += 1;
        }
        if self.used + pages > self.limit {
            return None;
        }
        let at = self.base + self.used * PAGE;
        self.used += pages;
        Some(at)
    }
}

#[derive(Clone, Debug)]
enum Step {
    Alloc { size: usize, align_log: u32 },
    Free(usize),
    Realloc(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (prop_oneof![1usize..64, 1usize..600, 1usize..5000, 60_000usize..140_000], 0u32..7)
            .prop_map(|(size, align_log)| Step::Alloc { size, align_log }),
        3 => any::<usize>().prop_map(Step::Free),
        2 => (any::<usize>(), prop_oneof![1usize..100, 1usize..3000, 1usize..70_000])
            .prop_map(|(i, size)| Step::Realloc(i, size)),
    ]
}

/// A live block: its layout and the byte it was filled with.
struct Live {
    ptr: *mut u8,
    layout: Layout,
    fill: u8,
}

fn check_no_overlap(live: &[Live]) {
    let mut spans = BTreeMap::new();
    for b in live {
        spans.insert(b.ptr as usize, b.ptr as usize + b.layout.size());
    }
    let mut last_end = 0;
    for (start, end) in spans {
        assert!(start >= last_end, "blocks overlap at {start:#x}");
        last_end = end;
    }
}

fn run(steps: &[Step], gaps: Vec<bool>) {
    let (buffer, _) = Buffer::new(64, gaps);
    let (lo, hi) = (buffer.base, buffer.base + 64 * PAGE);
    let alloc = Classes::new(buffer);
    let mut live: Vec<Live> = Vec::new();
    let mut counter = 0u8;
    for s in steps {
        match *s {
            Step::Alloc { size, align_log } => {
                let layout = Layout::from_size_align(size, 1 << align_log).unwrap();
                let ptr = unsafe { alloc.alloc(layout) };
                if ptr.is_null() {
                    continue; // the buffer is full: allowed, nothing else changes
                }
                assert_eq!(ptr as usize % layout.align(), 0, "misaligned block");
                assert!(
                    ptr as usize >= lo && ptr as usize + size <= hi,
                    "block outside memory"
                );
                counter = counter.wrapping_add(1);
                unsafe { ptr.write_bytes(counter, size) };
                live.push(Live {
                    ptr,
                    layout,
                    fill: counter,
                });
            }
            Step::Free(i) if !live.is_empty() => {
                let b = live.swap_remove(i % live.len());
                unsafe {
                    assert!(
                        (0..b.layout.size()).all(|k| *b.ptr.add(k) == b.fill),
                        "bytes changed"
                    );
                    alloc.dealloc(b.ptr, b.layout);
                }
            }
            Step::Realloc(i, size) if !live.is_empty() => {
                let k = i % live.len();
                let b = &mut live[k];
                let new = unsafe { alloc.realloc(b.ptr, b.layout, size) };
                if new.is_null() {
                    continue; // the old block stays valid
                }
                assert_eq!(new as usize % b.layout.align(), 0);
                let kept = b.layout.size().min(size);
                unsafe {
                    assert!(
                        (0..kept).all(|j| *new.add(j) == b.fill),
                        "realloc lost bytes"
                    );
                    new.write_bytes(b.fill, size);
                }
                b.ptr = new;
                b.layout = Layout::from_size_align(size, b.layout.align()).unwrap();
            }
            _ => {}
        }
        check_no_overlap(&live);
    }
    for b in live {
        unsafe {
            assert!(
                (0..b.layout.size()).all(|k| *b.ptr.add(k) == b.fill),
                "bytes changed"
            );
            alloc.dealloc(b.ptr, b.layout);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn blocks_are_aligned_separate_and_kept(
        steps in prop::collection::vec(step(), 0..300),
        gaps in prop::collection::vec(any::<bool>(), 0..20),
    ) {
        run(&steps, gaps);
    }
}

#[test]
fn repeating_the_same_work_takes_no_more_pages() {
    let (buffer, grows) = Buffer::new(256, Vec::new());
    let alloc = Classes::new(buffer);
    let sizes = [3usize, 17, 40, 100, 700, 5_000, 33_000, 90_000, 12, 64];
    let round = |alloc: &Classes<Buffer>| {
        let mut held = Vec::new();
        for (i, &size) in sizes.iter().enumerate() {
            let layout = Layout::from_size_align(size, 1 << (i % 4)).unwrap();
            let ptr = unsafe { alloc.alloc(layout) };
            assert!(!ptr.is_null());
            held.push((ptr, layout));
        }
        // A vector growing one push at a time, as strings and lists do.
        let mut layout = Layout::from_size_align(1, 1).unwrap();
        let mut ptr = unsafe { alloc.alloc(layout) };
        for size in 2..20_000 {
            ptr = unsafe { alloc.realloc(ptr, layout, size) };
            assert!(!ptr.is_null());
            layout = Layout::from_size_align(size, 1).unwrap();
        }
        held.push((ptr, layout));
        for (ptr, layout) in held.into_iter().rev() {
            unsafe { alloc.dealloc(ptr, layout) };
        }
    };
    round(&alloc);
    let after_first = *grows.borrow();
    for _ in 0..1000 {
        round(&alloc);
    }
    assert_eq!(
        *grows.borrow(),
        after_first,
        "a repeated round took new pages"
    );
}

#[test]
fn a_freed_block_is_used_again() {
    let (buffer, _) = Buffer::new(4, Vec::new());
    let mut heap = Heap::new(buffer);
    let layout = Layout::from_size_align(24, 8).unwrap();
    unsafe {
        let a = heap.alloc(layout);
        heap.dealloc(a, layout);
        assert_eq!(heap.alloc(layout), a);
    }
}

#[test]
fn out_of_memory_is_null_and_leaves_the_heap_usable() {
    let (buffer, _) = Buffer::new(2, Vec::new());
    let mut heap = Heap::new(buffer);
    unsafe {
        assert!(heap
            .alloc(Layout::from_size_align(3 * PAGE, 8).unwrap())
            .is_null());
        let small = heap.alloc(Layout::from_size_align(100, 8).unwrap());
        assert!(!small.is_null());
    }
}
