//! Inputs: what the user named (files, directories, globs, `-`), opened as
//! either a memory map or a stream.
//!
//! The policy: regular files are mapped (sequential advice) and scanned in
//! parallel chunks; stdin, pipes and compressed files (`.gz`, `.zst`, or
//! their magic bytes) are streamed through the same parsers with a buffer
//! that grows only to the longest line, up to the line limit. A file that
//! cannot be mapped is streamed.
//!
//! A regular file is scanned up to its size at open, mapped or streamed:
//! a live log that is only appended to is read to that size, and what was
//! appended is left for the next run (a [`Change::Grew`], not an error). A
//! file that shrank while it was scanned is a [`Change::Shrank`], an error
//! for that file.
//!
//! A mapped file that is truncated while it is scanned would raise SIGBUS
//! on the first access past its new end. The defence: a SIGBUS handler
//! that, for an address inside one of our maps, maps a zero page over the
//! vanished one and lets the read go on. A library does not take over a
//! process's signals unasked: the handler is installed only by
//! [`install_sigbus_guard`] (the binary calls it first thing), and until it
//! is, files are streamed even when mapping is asked for. The scan then sees
//! NUL bytes (rejected lines), and the driver, which checks the map's guard
//! and the file's size after scanning, reports the file as changed during
//! the scan, with a non-zero exit status. Faults outside our maps go to the
//! previous handler.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// One input the user named, after expanding directories and globs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl Input {
    /// The name shown in messages.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".into(),
        }
    }
}

/// Expands what the user named into inputs, in the order named, directories
/// walked in name order, globs expanded in name order. Names that match
/// nothing come back as errors; the rest are still scanned.
pub fn resolve(names: &[String]) -> (Vec<Input>, Vec<Error>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        if name == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let path = Path::new(name);
        if path.is_dir() {
            let walk = walkdir::WalkDir::new(path).sort_by_file_name();
            for entry in walk {
                match entry {
                    Ok(e) if e.file_type().is_file() => inputs.push(Input::Path(e.into_path())),
                    Ok(_) => {}
                    Err(e) => errors.push(Error::new(
                        crate::error::ErrorKind::Io,
                        format!("{}: {e}", e.path().unwrap_or(path).display()),
                    )),
                }
            }
        } else if path.exists() || !name.contains(['*', '?', '[']) {
            inputs.push(Input::Path(path.to_path_buf()));
        } else {
            match glob::glob(name) {
                Ok(paths) => {
                    let mut found: Vec<PathBuf> = paths.filter_map(|p| p.ok()).collect();
                    found.retain(|p| p.is_file());
                    found.sort();
                    if found.is_empty() {
                        errors.push(Error::new(
                            crate::error::ErrorKind::Io,
                            format!("{name}: no file matches this pattern"),
                        ));
                    }
                    inputs.extend(found.into_iter().map(Input::Path));
                }
                Err(e) => errors.push(Error::config(format!("{name}: bad pattern: {e}"))),
            }
        }
    }
    (inputs, errors)
}

/// An opened input.
pub enum Source {
    /// A regular file held whole: memory-mapped, or read when small.
    Mapped(Map),
    /// Anything read front to back; for a plain regular file, read no
    /// further than its size at open, which the [`Extent`] keeps.
    Stream(Box<dyn Read + Send>, Option<Extent>),
}

/// How a regular file's size after its scan compares with its size at
/// open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Unchanged.
    None,
    /// Grew by this many bytes: appended to while scanned (a live log).
    /// Only the size at open was scanned.
    Grew(u64),
    /// Shrank (truncated or replaced) while scanned: `now` is its size
    /// now, `None` when it can no longer be read.
    Shrank {
        /// Size now.
        now: Option<u64>,
    },
}

impl Change {
    /// Compares `len`, the size at open, with `read`, the bytes the scan
    /// got before the end, and `now`, the size after the scan. A read that
    /// ended early or a caught fault (`faulted`) means the file shrank,
    /// even if it has grown again since.
    pub fn between(len: u64, read: u64, now: Option<u64>, faulted: bool) -> Change {
        match now {
            Some(now) if !faulted && read >= len && now >= len => {
                if now == len {
                    Change::None
                } else {
                    Change::Grew(now - len)
                }
            }
            now => Change::Shrank { now },
        }
    }

    /// The error for a file that shrank, naming it.
    pub fn error(self, name: &str, len: u64, read: u64) -> Option<Error> {
        let Change::Shrank { now } = self else {
            return None;
        };
        Some(Error::new(
            crate::error::ErrorKind::Io,
            format!(
                "{name}: file shrank while it was scanned ({len} bytes at open, {read} read, now {}): its results are unreliable; scan a copy",
                now.map_or("unreadable".into(), |n| format!("{n} bytes"))
            ),
        ))
    }
}

/// A plain regular file's size at open, to tell appends from truncation
/// once it has been streamed.
pub struct Extent {
    file: File,
    len: u64,
}

impl Extent {
    /// The size at open.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file was empty at open.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How the file changed, after `read` bytes were streamed from it.
    pub fn change(&self, read: u64) -> Change {
        let now = self.file.metadata().map(|m| m.len()).ok();
        Change::between(self.len, read, now, false)
    }
}

/// How an input is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

fn compression(path: &Path, magic: &[u8]) -> Compression {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if magic.starts_with(&[0x1f, 0x8b]) || ext == "gz" {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) || ext == "zst" {
        Compression::Zstd
    } else {
        Compression::None
    }
}

impl Source {
    /// Opens an input. With `map_from`, a regular uncompressed file is held
    /// whole: mapped when it has at least `map_from` bytes, else read into
    /// memory. `None` streams everything.
    pub fn open(input: &Input, map_from: Option<u64>) -> Result<Source> {
        let path = match input {
            Input::Stdin => return Ok(Source::Stream(Box::new(io::stdin()), None)),
            Input::Path(p) => p,
        };
        let mut file = File::open(path).map_err(|e| Error::io(path, &e))?;
        let meta = file.metadata().map_err(|e| Error::io(path, &e))?;
        if meta.is_dir() {
            return Err(Error::io(
                path,
                &io::Error::new(io::ErrorKind::InvalidInput, "is a directory"),
            ));
        }
        let mut magic = [0u8; 4];
        let got = if meta.is_file() {
            let n = read_up_to(&mut file, &mut magic).map_err(|e| Error::io(path, &e))?;
            io::Seek::rewind(&mut file).map_err(|e| Error::io(path, &e))?;
            n
        } else {
            0
        };
        match compression(path, &magic[..got]) {
            Compression::Gzip => Ok(Source::Stream(
                Box::new(Blocks::new(flate2::read::MultiGzDecoder::new(
                    io::BufReader::with_capacity(1 << 16, file),
                ))),
                None,
            )),
            Compression::Zstd => {
                let decoder =
                    zstd::stream::read::Decoder::new(file).map_err(|e| Error::io(path, &e))?;
                Ok(Source::Stream(Box::new(Blocks::new(decoder)), None))
            }
            Compression::None if meta.is_file() && meta.len() > 0 && map_from.is_some() => {
                let len = meta.len();
                // A small file is read whole instead (one chunk either way).
                let map = if map_from.is_some_and(|n| len < n) {
                    Map::read(&file, len).ok()
                } else {
                    Map::new(&file, len)
                };
                match map {
                    Some(map) => Ok(Source::Mapped(map)),
                    None => {
                        io::Seek::rewind(&mut file).map_err(|e| Error::io(path, &e))?;
                        Ok(stream_to_size(file, len))
                    }
                }
            }
            // (A regular file of size 0 may still read as something, as
            // files under /proc do: it is read to its end.)
            Compression::None if meta.is_file() && meta.len() > 0 => {
                Ok(stream_to_size(file, meta.len()))
            }
            Compression::None => Ok(Source::Stream(Box::new(file), None)),
        }
    }
}

/// A reader that asks its inner reader for one fixed block size, whatever
/// its own caller asks for. A decoder's output, and the error it reports
/// on corrupt input, can depend on the size of each read; behind this, the
/// scan's read size (`--chunk-size`) cannot change what a compressed input
/// gives, so mapped-and-streamed invariance holds for them too.
struct Blocks<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
}

impl<R: Read> Blocks<R> {
    const SIZE: usize = 1 << 16;

    fn new(inner: R) -> Blocks<R> {
        Blocks {
            inner,
            buf: vec![0; Self::SIZE].into_boxed_slice(),
            pos: 0,
            len: 0,
        }
    }
}

impl<R: Read> Read for Blocks<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.len {
            self.len = self.inner.read(&mut self.buf)?;
            self.pos = 0;
        }
        let n = out.len().min(self.len - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A plain regular file streamed no further than `len`, its size at open.
fn stream_to_size(file: File, len: u64) -> Source {
    match file.try_clone() {
        Ok(handle) => Source::Stream(Box::new(file.take(len)), Some(Extent { file: handle, len })),
        Err(_) => Source::Stream(Box::new(file), None),
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Installs the process-wide SIGBUS handler that makes mapped input safe
/// against files truncated under the scan (see the module docs). Call it
/// once, early, from the program that owns the process; without it,
/// `mmap` requests fall back to streaming. Idempotent.
pub fn install_sigbus_guard() {
    guard::install();
}

/// A regular file held whole in memory: memory-mapped under the SIGBUS
/// guard, or, when it is small, read into a buffer (see
/// [`Source::open`]). Either way the scan reads it as one byte slice.
pub struct Map {
    body: Body,
    len: u64,
    file: File,
}

enum Body {
    Mapped {
        // Field order matters: fields drop in order, so the guard
        // unregisters the range before the map unmaps it. The other way
        // round, another mapping could take the address in between and the
        // handler would paper over its faults.
        guard: guard::Guard,
        map: memmap2::Mmap,
    },
    /// The bytes read at open (fewer than the length if the file shrank).
    Read(Vec<u8>),
}

impl Map {
    fn new(file: &File, len: u64) -> Option<Map> {
        // SAFETY: the map is read-only and private to this process. Another
        // process may still change the file under it: a truncation would
        // fault, which the SIGBUS guard registered below turns into zero
        // pages, and `changed` reports afterwards; any other rewrite can
        // only change the bytes we read, never memory safety, because the
        // scan treats the bytes as untrusted input.
        if !guard::installed() {
            return None;
        }
        let map = unsafe { memmap2::MmapOptions::new().len(len as usize).map(file) }.ok()?;
        let _ = map.advise(memmap2::Advice::Sequential);
        let guard = guard::Guard::register(&map)?;
        Some(Map {
            body: Body::Mapped { guard, map },
            len,
            file: file.try_clone().ok()?,
        })
    }

    /// A small file read whole: one system call, where a map costs several
    /// and, when unmapped, a TLB flush on every core.
    fn read(file: &File, len: u64) -> io::Result<Map> {
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(len).read_to_end(&mut bytes)?;
        Ok(Map {
            body: Body::Read(bytes),
            len,
            file: file.try_clone()?,
        })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        match &self.body {
            Body::Mapped { map, .. } => map,
            Body::Read(bytes) => bytes,
        }
    }

    /// Tells the kernel the process is done with `range` of the file: its
    /// pages leave this process's resident set (they stay in the page
    /// cache). Parsed chunks are released so that a scan holds its events,
    /// not a second copy of its input.
    /// (A file read into a buffer has nothing to release.)
    pub fn release(&self, range: std::ops::Range<usize>) {
        let Body::Mapped { map, .. } = &self.body else {
            return;
        };
        let page = guard::page_size();
        // Only whole pages inside the range, so neighbouring chunks that are
        // still being read keep theirs.
        let start = range.start.div_ceil(page) * page;
        let end = range.end / page * page;
        if start < end {
            // SAFETY: the map is a read-only, shared mapping of a file; after
            // DONTNEED a later access re-reads the page from the file, so no
            // read can observe anything but file contents. No reference into
            // the range outlives this call in the scan (chunks are released
            // after they are parsed).
            unsafe {
                let _ = map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    start,
                    end - start,
                );
            }
        }
    }

    /// How the file changed while mapped: a caught fault (or, for a file
    /// read, a read that ended early) means it shrank; else its size now
    /// against the length at open.
    pub fn change(&self) -> Change {
        let now = self.file.metadata().map(|m| m.len()).ok();
        match &self.body {
            Body::Mapped { guard, .. } => Change::between(self.len, self.len, now, guard.tripped()),
            Body::Read(bytes) => Change::between(self.len, bytes.len() as u64, now, false),
        }
    }
}

mod guard {
    //! The SIGBUS guard: a process-wide handler and a fixed table of the
    //! address ranges we have mapped. Async-signal-safe: the handler reads
    //! atomics and calls `mmap` (a raw system call on Linux) only. Private:
    //! only a [`super::Map`] registers a range, and only its own.

    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Once;

    const SLOTS: usize = 256;
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: AtomicUsize = AtomicUsize::new(0);
    #[allow(clippy::declare_interior_mutable_const)]
    const NO: AtomicBool = AtomicBool::new(false);
    static STARTS: [AtomicUsize; SLOTS] = [ZERO; SLOTS];
    static LENS: [AtomicUsize; SLOTS] = [ZERO; SLOTS];
    static TRIPPED: [AtomicBool; SLOTS] = [NO; SLOTS];
    static PAGE: AtomicUsize = AtomicUsize::new(4096);
    static INSTALL: Once = Once::new();
    static mut PREVIOUS: std::mem::MaybeUninit<libc::sigaction> = std::mem::MaybeUninit::uninit();

    /// One registered range; unregisters on drop.
    pub struct Guard {
        slot: usize,
    }

    impl Guard {
        /// Registers a map's range; `None` when every slot is taken or the
        /// handler is not installed (the caller then streams the file).
        pub(super) fn register(map: &memmap2::Mmap) -> Option<Guard> {
            if !installed() {
                return None;
            }
            let (start, len) = (map.as_ptr() as usize, map.len());
            for slot in 0..SLOTS {
                if LENS[slot]
                    .compare_exchange(0, usize::MAX, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    TRIPPED[slot].store(false, Ordering::Release);
                    STARTS[slot].store(start, Ordering::Release);
                    LENS[slot].store(len, Ordering::Release);
                    return Some(Guard { slot });
                }
            }
            None
        }

        /// Whether a fault in this range was caught.
        pub fn tripped(&self) -> bool {
            TRIPPED[self.slot].load(Ordering::Acquire)
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            STARTS[self.slot].store(0, Ordering::Release);
            LENS[self.slot].store(0, Ordering::Release);
        }
    }

    /// The page size.
    pub(super) fn page_size() -> usize {
        // (sysconf is cheap and always safe to call.)
        // SAFETY: sysconf takes no pointers.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if page > 0 {
            page as usize
        } else {
            4096
        }
    }

    /// Whether the handler is installed.
    pub(super) fn installed() -> bool {
        INSTALL.is_completed()
    }

    pub(super) fn install() {
        INSTALL.call_once(|| {
            // SAFETY: sysconf and sigaction are called with valid arguments;
            // PREVIOUS is written once here, before the handler can run, and
            // only read by the handler afterwards.
            unsafe {
                let page = libc::sysconf(libc::_SC_PAGESIZE);
                if page > 0 {
                    PAGE.store(page as usize, Ordering::Release);
                }
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(
                    libc::SIGBUS,
                    &action,
                    std::ptr::addr_of_mut!(PREVIOUS).cast(),
                );
            }
        });
    }

    extern "C" fn handler(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
        let addr = unsafe { (*info).si_addr() } as usize;
        for slot in 0..SLOTS {
            let start = STARTS[slot].load(Ordering::Acquire);
            let len = LENS[slot].load(Ordering::Acquire);
            if start != 0 && len != usize::MAX && addr >= start && addr < start + len {
                let page = PAGE.load(Ordering::Acquire);
                let at = addr & !(page - 1);
                // SAFETY: `at` is a page inside a mapping this process owns
                // and reads only; replacing it with a private zero page
                // changes what the scan reads, not what memory is valid.
                let p = unsafe {
                    libc::mmap(
                        at as *mut libc::c_void,
                        page,
                        libc::PROT_READ,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                        -1,
                        0,
                    )
                };
                if p != libc::MAP_FAILED {
                    TRIPPED[slot].store(true, Ordering::Release);
                    return;
                }
            }
        }
        // Not ours: put the previous handler back; the faulting access runs
        // again and reaches it.
        // SAFETY: PREVIOUS was filled by sigaction in `install`.
        unsafe {
            libc::sigaction(
                libc::SIGBUS,
                std::ptr::addr_of!(PREVIOUS).cast(),
                std::ptr::null_mut(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_are_read_whole_and_their_changes_seen() {
        install_sigbus_guard();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("small.ndjson");
        let text = b"{\"ts\":1}\n{\"ts\":2}\n";
        std::fs::write(&path, text).unwrap();
        let open = |map_from| Source::open(&Input::Path(path.clone()), map_from).unwrap();
        let Source::Mapped(read) = open(Some(1 << 20)) else {
            panic!("a small file is held whole");
        };
        assert!(matches!(read.body, Body::Read(_)), "under map_from: read");
        let Source::Mapped(mapped) = open(Some(text.len() as u64)) else {
            panic!("a file of map_from bytes is held whole");
        };
        assert!(
            matches!(mapped.body, Body::Mapped { .. }),
            "at map_from: mapped"
        );
        assert!(matches!(open(None), Source::Stream(..)));
        assert_eq!((read.bytes(), read.change()), (&text[..], Change::None));
        let file = File::options().write(true).open(&path).unwrap();
        file.set_len(30).unwrap();
        assert_eq!(read.change(), Change::Grew(30 - text.len() as u64));
        file.set_len(5).unwrap();
        assert_eq!(read.change(), Change::Shrank { now: Some(5) });
        // What was read at open stays as it was.
        assert_eq!(read.bytes(), &text[..]);
    }

    #[test]
    fn truncation_while_mapped_does_not_crash() {
        install_sigbus_guard();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.ndjson");
        std::fs::write(&path, vec![b'x'; 256 * 1024]).unwrap();
        let Source::Mapped(map) = Source::open(&Input::Path(path.clone()), Some(0)).unwrap() else {
            panic!("a regular file is mapped");
        };
        assert_eq!(map.change(), Change::None);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(100)
            .unwrap();
        // Every page past the new end faults; the guard turns them to zeros.
        let sum: u64 = map.bytes().iter().map(|&b| b as u64).sum();
        assert_eq!(sum, 100 * b'x' as u64);
        assert_eq!(map.change(), Change::Shrank { now: Some(100) });
        // Even once it has grown back past its size at open.
        std::fs::write(&path, vec![b'y'; 512 * 1024]).unwrap();
        assert!(matches!(map.change(), Change::Shrank { .. }));
    }

    #[test]
    fn growth_is_an_append_and_shrinking_an_error() {
        assert_eq!(Change::between(100, 100, Some(100), false), Change::None);
        assert_eq!(
            Change::between(100, 100, Some(150), false),
            Change::Grew(50)
        );
        for (read, now, faulted) in [
            (100, Some(99), false),
            (60, Some(150), false),
            (100, Some(100), true),
            (100, None, false),
        ] {
            let c = Change::between(100, read, now, faulted);
            assert!(
                matches!(c, Change::Shrank { .. }),
                "{read} {now:?} {faulted}"
            );
            let e = c.error("live.log", 100, read).unwrap().to_string();
            assert!(e.starts_with("live.log: file shrank"), "{e}");
        }
        assert!(Change::Grew(5).error("x", 1, 1).is_none());
    }

    #[test]
    fn appended_mapped_file_is_read_to_its_size_at_open() {
        install_sigbus_guard();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.log");
        std::fs::write(&path, b"0123456789").unwrap();
        let Source::Mapped(map) = Source::open(&Input::Path(path.clone()), Some(0)).unwrap() else {
            panic!("a regular file is mapped");
        };
        std::io::Write::write_all(
            &mut File::options().append(true).open(&path).unwrap(),
            b"appended",
        )
        .unwrap();
        assert_eq!(map.bytes(), b"0123456789");
        assert_eq!(map.change(), Change::Grew(8));
    }

    #[test]
    fn resolves_dirs_globs_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.log", "a.log", "sub/c.log"] {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let d = dir.path().display().to_string();
        let (inputs, errors) = resolve(&[
            d.clone(),
            format!("{d}/*.log"),
            format!("{d}/none*"),
            "-".into(),
        ]);
        let names: Vec<String> = inputs.iter().map(|i| i.name().replace(&d, "")).collect();
        assert_eq!(
            names,
            [
                "/a.log",
                "/b.log",
                "/sub/c.log",
                "/a.log",
                "/b.log",
                "<stdin>"
            ]
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().contains("no file matches"));
    }
}
