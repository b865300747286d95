//! Raw snappy blocks (Parquet's SNAPPY codec) through the snap crate: the C side is snap.h.
use std::slice;

/// A C buffer as a slice: none for a null pointer or no bytes.
unsafe fn bytes<'a>(p: *const u8, n: usize) -> &'a [u8] {
    if p.is_null() || n == 0 { &[] } else { slice::from_raw_parts(p, n) }
}

/// An output buffer as a mutable slice.  Its bytes may not be written yet (C hands over fresh
/// memory): Rust's rules leave open whether a `&mut [u8]` may point at uninitialised bytes,
/// and the snap crate only writes through it before it reads what it wrote (a snappy copy
/// reads back earlier output), so no byte is read before it is written.  Zeroing every
/// buffer first would add a pass over every page.
unsafe fn bytes_mut<'a>(p: *mut u8, n: usize) -> &'a mut [u8] {
    if p.is_null() || n == 0 { &mut [] } else { slice::from_raw_parts_mut(p, n) }
}

#[no_mangle]
pub unsafe extern "C" fn fdata_snap_uncompressed_length(src: *const u8, n: usize,
                                                        out: *mut usize) -> i32 {
    match snap::raw::decompress_len(bytes(src, n)) {
        Ok(len) => { *out = len; 0 }
        Err(_) => -1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn fdata_snap_uncompress(src: *const u8, n: usize, dst: *mut u8,
                                               dst_len: usize) -> i32 {
    match snap::raw::Decoder::new().decompress(bytes(src, n), bytes_mut(dst, dst_len)) {
        Ok(len) if len == dst_len => 0,
        _ => -1,
    }
}

#[no_mangle]
pub extern "C" fn fdata_snap_max_compressed_length(n: usize) -> usize {
    snap::raw::max_compress_len(n)
}

#[no_mangle]
pub unsafe extern "C" fn fdata_snap_compress(src: *const u8, n: usize, dst: *mut u8,
                                             cap: usize, out: *mut usize) -> i32 {
    match snap::raw::Encoder::new().compress(bytes(src, n), bytes_mut(dst, cap)) {
        Ok(len) => { *out = len; 0 }
        Err(_) => -1,
    }
}
