//! The part of the `zstd` 0.9 API that sled 0.34.7 calls — `block::compress`,
//! `block::decompress` and `stream::decode_all` — with one compression context and one
//! decompression context per thread.
//!
//! sled compresses every page it writes with `zstd::block::compress`, which in `zstd` 0.9
//! creates a fresh `ZSTD_CCtx` (and its match tables) for each call, and decompresses every page
//! it reads from disk through a fresh streaming decoder. Profiles of Liudong's write paths showed
//! context creation at 22–27 % of all samples (docs/performance.md). zstd's contexts are made to be
//! reused: `ZSTD_compressCCtx` starts a new frame with the parameters it is given each time, so the
//! output is the same frame a fresh context writes — the same level, the same format on disk, and
//! stores written by either version open with the other.

use std::cell::RefCell;
use std::io;

thread_local! {
    static COMPRESSOR: RefCell<zstd_safe::CCtx<'static>> = RefCell::new(zstd_safe::create_cctx());
    static DECOMPRESSOR: RefCell<zstd_safe::DCtx<'static>> = RefCell::new(zstd_safe::create_dctx());
}

fn error(code: usize) -> io::Error {
    io::Error::other(zstd_safe::get_error_name(code))
}

/// Runs `f` with this thread's decompression context (a fresh one on a
/// thread being torn down).
fn with_decompressor<T>(f: impl FnOnce(&mut zstd_safe::DCtx<'static>) -> T) -> T {
    let mut f = Some(f);
    DECOMPRESSOR
        .try_with(|ctx| (f.take().expect("called once"))(&mut ctx.borrow_mut()))
        .unwrap_or_else(|_| (f.take().expect("not called"))(&mut zstd_safe::create_dctx()))
}

fn compress_with(
    ctx: &mut zstd_safe::CCtx<'static>,
    data: &[u8],
    level: i32,
) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(zstd_safe::compress_bound(data.len()));
    ctx.compress(&mut out, data, level).map_err(error)?;
    Ok(out)
}

/// One-shot compression and decompression of whole buffers.
pub mod block {
    use super::*;

    /// Compresses `data` into one zstd frame (with its content size) at `level` (`0` is zstd's
    /// default, 3), using this thread's compression context.
    pub fn compress(data: &[u8], level: i32) -> io::Result<Vec<u8>> {
        // A thread being torn down (its thread-locals already dropped)
        // still compresses, with a context of its own.
        COMPRESSOR
            .try_with(|ctx| compress_with(&mut ctx.borrow_mut(), data, level))
            .unwrap_or_else(|_| compress_with(&mut zstd_safe::create_cctx(), data, level))
    }

    /// Decompresses one frame whose content is at most `capacity` bytes, using this thread's
    /// decompression context.
    pub fn decompress(data: &[u8], capacity: usize) -> io::Result<Vec<u8>> {
        with_decompressor(|ctx| {
            let mut out = Vec::with_capacity(capacity);
            ctx.decompress(&mut out, data).map_err(error)?;
            Ok(out)
        })
    }
}

/// Whole-stream decompression.
pub mod stream {
    use super::*;
    use std::io::Read;

    /// Decompresses every frame read from `source` and returns the concatenated content.
    ///
    /// A single frame that records its content size (every frame `block::compress` writes) is
    /// decompressed in one call into a buffer of exactly that size; anything else (several frames,
    /// a frame without its size) goes through the streaming decoder. Both use this thread's
    /// decompression context.
    pub fn decode_all<R: Read>(mut source: R) -> io::Result<Vec<u8>> {
        let mut input = Vec::new();
        source.read_to_end(&mut input)?;
        with_decompressor(|ctx| match single_frame_size(&input) {
            Some(size) => {
                let mut out = Vec::with_capacity(size);
                ctx.decompress(&mut out, &input).map_err(error)?;
                Ok(out)
            }
            None => decode_stream(ctx, &input),
        })
    }

    /// The content size of `input` when it is exactly one frame that records it.
    fn single_frame_size(input: &[u8]) -> Option<usize> {
        let frame = zstd_safe::find_frame_compressed_size(input).ok()?;
        if frame != input.len() {
            return None;
        }
        let size = zstd_safe::get_frame_content_size(input);
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are the two largest u64 values.
        if size >= u64::MAX - 1 {
            return None;
        }
        usize::try_from(size).ok()
    }

    fn decode_stream(ctx: &mut zstd_safe::DCtx<'static>, input: &[u8]) -> io::Result<Vec<u8>> {
        ctx.reset().map_err(error)?;
        let mut out: Vec<u8> = Vec::with_capacity(input.len().saturating_mul(4).max(64));
        let mut inb = zstd_safe::InBuffer::around(input);
        let mut frame_done;
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.len().max(4096));
            }
            let before = (inb.pos(), out.len());
            let len = out.len();
            let mut outb = zstd_safe::OutBuffer::around_pos(&mut out, len);
            let hint = ctx.decompress_stream(&mut outb, &mut inb).map_err(error)?;
            frame_done = hint == 0;
            if inb.pos() == input.len() && (frame_done || out.len() < out.capacity()) {
                break;
            }
            if (inb.pos(), out.len()) == before && out.len() < out.capacity() {
                break;
            }
        }
        if !frame_done {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "incomplete zstd frame",
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{block, stream};

    fn sample(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| (i * 31 % 251) as u8 ^ (i / 97) as u8)
            .collect()
    }

    #[test]
    fn block_round_trips_at_every_size_and_level_with_one_context() {
        for level in [0, 1, 3, 9] {
            for n in [0, 1, 100, 4_096, 70_000, 1 << 20] {
                let data = sample(n);
                let packed = block::compress(&data, level).unwrap();
                assert_eq!(
                    block::decompress(&packed, n).unwrap(),
                    data,
                    "level {level}, {n} bytes"
                );
                assert_eq!(
                    stream::decode_all(&packed[..]).unwrap(),
                    data,
                    "level {level}, {n} bytes"
                );
            }
        }
    }

    #[test]
    fn a_reused_context_writes_the_frame_a_fresh_one_writes() {
        let big = sample(300_000);
        let small = sample(777);
        let first = block::compress(&small, 3).unwrap();
        block::compress(&big, 19).unwrap();
        let again = block::compress(&small, 3).unwrap();
        assert_eq!(
            first, again,
            "parameters of an earlier call must not leak into the next frame"
        );
        let mut fresh = zstd_safe::create_cctx();
        assert_eq!(super::compress_with(&mut fresh, &small, 3).unwrap(), first);
    }

    #[test]
    fn stream_reads_concatenated_frames_and_frames_without_a_size() {
        let a = sample(5_000);
        let b = sample(123);
        let mut both = block::compress(&a, 3).unwrap();
        both.extend(block::compress(&b, 1).unwrap());
        let mut expect = a.clone();
        expect.extend(&b);
        assert_eq!(stream::decode_all(&both[..]).unwrap(), expect);

        // A frame written without its content size (as a streaming encoder may write it).
        let mut cctx = zstd_safe::create_cctx();
        cctx.set_parameter(zstd_safe::CParameter::ContentSizeFlag(false))
            .unwrap();
        let mut out = Vec::with_capacity(zstd_safe::compress_bound(a.len()));
        cctx.compress2(&mut out, &a).unwrap();
        assert_eq!(
            zstd_safe::get_frame_content_size(&out),
            u64::MAX,
            "ZSTD_CONTENTSIZE_UNKNOWN"
        );
        assert_eq!(stream::decode_all(&out[..]).unwrap(), a);
    }

    #[test]
    fn damaged_input_is_an_error_not_a_panic() {
        let packed = block::compress(&sample(10_000), 3).unwrap();
        assert!(stream::decode_all(&packed[..packed.len() / 2]).is_err());
        assert!(block::decompress(&packed[..packed.len() / 2], 10_000).is_err());
        assert!(stream::decode_all(&b"not zstd at all"[..]).is_err());
    }
}
