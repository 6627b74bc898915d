//! A small memory allocator for the residents' bundle: size classes of powers of two, one free
//! list per class, new memory from `memory.grow`.
//!
//! Rust's default wasm allocator (dlmalloc) is about 8 KB of code; this one is a few hundred
//! bytes. A request is rounded up to a power of two (at least 8 bytes and at least its
//! alignment); a freed block goes on its class's list and is handed out again by the next request
//! of that class. Blocks are never split or merged after they are made, so the memory a page
//! holds is bounded by what each class needed at its busiest, which for the widget (short strings,
//! small vectors, the same screens over and over in a kiosk session) is close to what dlmalloc
//! holds. A block of class `s` starts at a multiple of `s` (of 64 KiB for larger blocks), so any
//! alignment up to the block's size holds; the gap left before an aligned block is not wasted but
//! cut into smaller blocks on their classes' lists.
//!
//! Single-threaded wasm only (the widget builds without atomics): [`Classes`] holds its state in
//! an `UnsafeCell` and is never entered twice at once. The bookkeeping is [`Heap`], generic over
//! where new memory comes from, so it is tested natively (`tests/alloc.rs`).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// The size of a WebAssembly memory page.
pub const PAGE: usize = 64 * 1024;

/// Where a [`Heap`] gets new memory: whole pages, at the end of what it had or anywhere.
pub trait Pages {
    /// Adds `pages` pages; the address of the first, or `None` when no memory is left.
    fn grow(&mut self, pages: usize) -> Option<usize>;
}

/// The free lists and the unused tail of the last pages taken.
pub struct Heap<P> {
    /// The first free block of each class (class `c` holds blocks of `1 << c` bytes); each free
    /// block holds the address of the next.
    free: [usize; 32],
    /// Unused memory from `next` to `end`, not yet cut into blocks.
    next: usize,
    end: usize,
    pages: P,
}

/// The class of a request: blocks of `1 << class` bytes.
fn class_of(size: usize, align: usize) -> usize {
    let size = size.max(align).max(8);
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

impl<P: Pages> Heap<P> {
    pub const fn new(pages: P) -> Heap<P> {
        Heap {
            free: [0; 32],
            next: 0,
            end: 0,
            pages,
        }
    }

    /// Puts the block at `at` of class `class` on its list.
    ///
    /// # Safety
    /// The block must be `1 << class` bytes of this heap's memory that nothing else uses.
    unsafe fn push(&mut self, at: usize, class: usize) {
        *(at as *mut usize) = self.free[class];
        self.free[class] = at;
    }

    /// Cuts `next..to` into the largest aligned blocks that fit and puts them on their lists.
    unsafe fn release_to(&mut self, to: usize) {
        while self.next < to {
            let mut class = (self.next.trailing_zeros() as usize).min(31);
            while (1usize << class) > to - self.next {
                class -= 1;
            }
            self.push(self.next, class);
            self.next += 1 << class;
        }
    }

    /// A block for `layout`, or null when memory is exhausted.
    ///
    /// # Safety
    /// The heap's memory must be what its [`Pages`] gave it.
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let class = class_of(layout.size(), layout.align());
        if class >= 32 {
            return null_mut();
        }
        let head = self.free[class];
        if head != 0 {
            self.free[class] = *(head as *const usize);
            return head as *mut u8;
        }
        let size = 1usize << class;
        let align = size.min(PAGE);
        loop {
            let start = (self.next + align - 1) & !(align - 1);
            if self.next != 0 && start <= self.end && self.end - start >= size {
                self.release_to(start);
                self.next = start + size;
                return start as *mut u8;
            }
            let pages = size.div_ceil(PAGE);
            let Some(base) = self.pages.grow(pages) else {
                return null_mut();
            };
            if base != self.end || self.next == 0 {
                // Not after the last pages (or the first): keep what was left of those.
                let end = self.end;
                self.release_to(end);
                self.next = base;
            }
            self.end = base + pages * PAGE;
        }
    }

    /// Gives back a block from [`Heap::alloc`].
    ///
    /// # Safety
    /// `ptr` must come from this heap's `alloc` (or `realloc`) with the same `layout`, and not be
    /// used after.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        self.push(ptr as usize, class_of(layout.size(), layout.align()));
    }

    /// Whether a block for `layout` also fits `new_size` bytes as it is.
    pub fn same_block(layout: Layout, new_size: usize) -> bool {
        class_of(layout.size(), layout.align()) == class_of(new_size, layout.align())
    }
}

/// The heap as Rust's global allocator. The state is only ever touched by one call at a time:
/// wasm32 without threads.
pub struct Classes<P>(UnsafeCell<Heap<P>>);

// SAFETY: only for builds without threads (see the module docs); the widget's wasm has none.
unsafe impl<P> Sync for Classes<P> {}

impl<P: Pages> Classes<P> {
    pub const fn new(pages: P) -> Classes<P> {
        Classes(UnsafeCell::new(Heap::new(pages)))
    }
}

unsafe impl<P: Pages> GlobalAlloc for Classes<P> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        (*self.0.get()).dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if Heap::<P>::same_block(layout, new_size) {
            return ptr;
        }
        let heap = &mut *self.0.get();
        let new = heap.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            heap.dealloc(ptr, layout);
        }
        new
    }
}

/// The WebAssembly memory itself.
#[cfg(target_arch = "wasm32")]
pub struct WasmPages;

#[cfg(target_arch = "wasm32")]
impl Pages for WasmPages {
    fn grow(&mut self, pages: usize) -> Option<usize> {
        match core::arch::wasm32::memory_grow(0, pages) {
            usize::MAX => None,
            before => Some(before * PAGE),
        }
    }
}
