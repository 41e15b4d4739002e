//! The gazetteer's word table, shared by `build.rs` (which writes it into `OUT_DIR` from the
//! lexicon files) and [`super::Gazetteer`] (which reads it in place from the embedded bytes).
//!
//! Why generated at build time: the person and location recognisers look up every capitalised
//! word and every run of up to four; five binary searches over 270,000 words were half of
//! CheckPost's time. A hash table built at run time fixed that but doubled a debug build's
//! start-up (the hashing code is unoptimised in the dev profile). This table is built once by
//! the build script and used as it lies: loading is reading a 16-byte header.
//!
//! Why hand-written rather than `phf`: phf's generator over 230,000 keys would run unoptimised
//! in the build script and add two crates; an open-addressing table with FNV-1a is forty lines
//! and builds in well under a second.
//!
//! Layout (little-endian `u32`s, then bytes):
//! - header: `MAGIC`, slot count (a power of two, at least twice the word count), the total
//!   number of list entries (for logs), the number of distinct words;
//! - slots: one `u32` each, 0 when empty, else the index of a word's entry plus one; a word's
//!   home slot is its hash modulo the slot count, collisions probe the following slots;
//! - entries: [`ENTRY_WORDS`] `u32`s per distinct word: offset of the word in the word bytes,
//!   `length << 8 | classes` (with [`PHRASE_START`] for the first words of phrases), population
//!   (or [`NO_POPULATION`] when the word is no place);
//! - word bytes: every distinct word, concatenated.

/// First `u32` of the table ("GZT1").
pub const MAGIC: u32 = u32::from_le_bytes(*b"GZT1");
/// `u32`s in the header.
pub const HEADER_WORDS: usize = 4;
/// `u32`s per entry.
pub const ENTRY_WORDS: usize = 3;
/// Population of an entry that is not a place.
pub const NO_POPULATION: u32 = u32::MAX;

/// The class bits of an entry (`gazetteer::WordClass`'s), one per list.
pub const GIVEN: u8 = 1;
pub const SURNAME: u8 = 2;
pub const PLACE: u8 = 4;
pub const COMMON_IT: u8 = 8;
pub const COMMON_EN: u8 = 16;
/// Not a list: the word is the first word of an entry of several words ("regno" of "regno
/// unito"), so a phrase whose first word lacks the bit is no entry and need not be looked up.
/// A word that is only that is an entry with no list class.
pub const PHRASE_START: u8 = 32;

/// The first word of a phrase: the part before its first space or no-break space (the
/// separators between the tokens of a phrase), if it has one.
pub fn phrase_start(phrase: &str) -> Option<&str> {
    phrase.find([' ', '\u{a0}']).map(|i| &phrase[..i])
}

/// FNV-1a, 64 bits: short words, no key to protect (the table is public data).
#[inline]
pub fn word_hash(word: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in word {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The home slot of a hash in a table of `slot_count` slots (a power of two).
#[inline]
pub fn home_slot(hash: u64, slot_count: usize) -> usize {
    (hash & (slot_count as u64 - 1)) as usize
}

/// The entries of one list file: its non-empty lines that are not `#` comments.
pub fn entries(source: &str) -> impl Iterator<Item = &str> {
    source.lines().filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The places of `places.tsv`: name and population (0 for countries and regions, and when the
/// population does not parse).
pub fn places(source: &str) -> impl Iterator<Item = (&str, u32)> {
    entries(source).filter_map(|line| {
        let (name, population) = line.split_once('\t')?;
        Some((name, population.parse().unwrap_or(0)))
    })
}

/// Writes the table for word lists (each with its class bit) and places.
#[allow(dead_code)] // build.rs's half: the engine only reads
pub fn write(lists: &[(&str, u8)], place_class: u8, places_source: &str) -> Vec<u8> {
    // Distinct words in first-seen order, with their classes and population.
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut words: Vec<(&str, u8, u32)> = Vec::new();
    let mut total = 0u32;
    let mut add = |word, class: u8, population: Option<u32>| {
        let i = *index.entry(word).or_insert_with(|| {
            words.push((word, 0, NO_POPULATION));
            words.len() - 1
        });
        words[i].1 |= class;
        if let Some(p) = population {
            words[i].2 = p;
        }
    };
    for &(source, class) in lists {
        for word in entries(source) {
            add(word, class, None);
            total += 1;
        }
    }
    let places: Vec<(&str, u32)> = places(places_source).collect();
    for &(name, population) in &places {
        add(name, place_class, Some(population));
        total += 1;
    }
    // Marked after the lists, and not counted as list entries.
    let listed = lists.iter().flat_map(|&(source, _)| entries(source)).chain(places.iter().map(|&(name, _)| name));
    for start in listed.filter_map(phrase_start) {
        add(start, PHRASE_START, None);
    }

    let slot_count = (words.len() * 2).next_power_of_two().max(2);
    let mut slots = vec![0u32; slot_count];
    for (i, (word, _, _)) in words.iter().enumerate() {
        let mut slot = home_slot(word_hash(word.as_bytes()), slot_count);
        while slots[slot] != 0 {
            slot = (slot + 1) & (slot_count - 1);
        }
        slots[slot] = u32::try_from(i + 1).expect("fewer than 2^32 words");
    }

    let mut out = Vec::new();
    let put = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    let as_u32 = |n: usize| u32::try_from(n).expect("table under 4 GiB");
    put(&mut out, MAGIC);
    put(&mut out, as_u32(slot_count));
    put(&mut out, total);
    put(&mut out, as_u32(words.len()));
    for slot in slots {
        put(&mut out, slot);
    }
    let mut offset = 0usize;
    for (word, class, population) in &words {
        put(&mut out, as_u32(offset));
        put(&mut out, as_u32(word.len()) << 8 | u32::from(*class));
        put(&mut out, *population);
        offset += word.len();
    }
    for (word, _, _) in &words {
        out.extend_from_slice(word.as_bytes());
    }
    out
}
