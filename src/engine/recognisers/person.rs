//! `PERSON` and `PERSON_INITIALS` in Italian and English text.
//!
//! No statistical model: evidence is combined per run of capitalised words, the way a careful
//! reader does it.
//! - **Lexicons** (`gazetteer`): ~15,000 given names and ~19,000 surnames (Faker, MIT), places
//!   (ISTAT, GeoNames, CLDR) and the common words of each language (wordfreq ∩ Morph-it! /
//!   SCOWL), so "Governo" or "Weekend" at the start of a sentence is a word, not a name.
//! - **Capitalisation and position**: a capitalised word inside a sentence is a proper noun;
//!   at the start of a sentence it is a name only when the lexicons say so. ALL-CAPS words
//!   count only when they are known names (acronyms are not people). Numbers never are.
//! - **Titles and honorifics** (sig.ra, dott.ssa, Mr, Dr, Professor, suor, nonna…) before a
//!   capitalised word make it a name whatever it is; verbs of saying and dying before it
//!   ("disse Cinto", "moriva Verdi") and an apposition with a role or an age after it
//!   ("Caprio, 26 anni", "Lemoine, responsabile del museo") vouch for it more weakly.
//! - **What surrounds a run says it is a thing or a place**: an article before a full name
//!   ("al Benito Stirpe", "nella Louis Vuitton Cup": Italian puts none before people); a noun
//!   that introduces organisations, media or storms ("il quotidiano Libero", "l'uragano
//!   Ike") or places ("l'aeroporto di", "gli abitanti di", "in"); a head that starts place
//!   names ("San", "S.", "Villa", "Monte"); a last word that ends names of things ("Park",
//!   "Street", "Cup", "Council") or a legal form after it ("S.p.A.", "Ltd"); a list it shares
//!   with a town ("Palermo, Milazzo, Capua") or with other words no list knows as names.
//! - **Shape**: particles (De, Di, Da, Lo, van, von, d'), apostrophes (D'Angelo, O'Connor),
//!   accents, hyphens, middle initials (George W. Bush), regnal numbers (Benedetto XVI),
//!   elided articles ("dell'Atalanta" looks at "Atalanta"), possessives ("Emma's" → "Emma"),
//!   decomposed accents (e + U+0301 is looked up as "é"). "De", "Di", "Del" opening a sentence
//!   start a surname ("De Gasperi ha detto"), "La", "Lo" an article.
//! - **Roles with a complement** ("il ministro del Lavoro Poletti", "il sindaco di New York
//!   Bill de Blasio"): the name starts at a given name, or is the surname ending the run.
//! - **Common words that are names** ("Pastore", "Cinto", "Piacentini"): capitalised inside a
//!   sentence without an article they are proper nouns, people when listed with people
//!   ("Fanfani e Rumor") or followed by their verb ("Piacentini ha chiesto", "Cinto mi disse");
//!   a bare "il"/"la" before a known surname is Italian usage ("il Pacini", "la Schiavone").
//! - **Italian word forms**: an unknown word opening a sentence that reads as a verb form of a
//!   known infinitive ("Scherzammo", "Concludendo"), a superlative or a "-ché" conjunction is a
//!   word, not a surname.
//! - **Context words** (paziente, grazie a, auguri a, ciao, hi, patient…) raise the score
//!   (the analyzer's context boost), so a weak guess ("Invisalign" is capitalised and unknown)
//!   stays under the threshold unless something says it is a person.
//! - **The same name again**: once "Silvio Berlusconi" is found, a later "Berlusconi" is a
//!   name even at the start of a sentence.
//!
//! Initials ("F.R.", "J. W.") are `PERSON_INITIALS`, scored up by patient and greeting context.

use crate::engine::context::Language;
use crate::engine::entity::{ByteSpan, EntityType};
use crate::engine::recogniser::{Candidate, RecogniseInput, Recogniser};
use crate::engine::scan::{LexiconHit, LexiconId, PatternId, Scan, ScannerBuilder};
use crate::engine::text::{char_at, char_before, is_word_char, single_space};

use super::gazetteer::{Gazetteer, WordClass};
use super::word_set::WordSet;

/// Honorifics, titles and kinship words that introduce a name ("nonna Rosa").
const TITLES: &[&str] = &[
    "sig.",
    "sig",
    "sig.ra",
    "sig.na",
    "sigg.",
    "signor",
    "signora",
    "signore",
    "signorina",
    "dott.",
    "dott",
    "dott.ssa",
    "dottor",
    "dottore",
    "dottoressa",
    "dr",
    "dr.",
    "dott.sa",
    "prof.",
    "prof",
    "prof.ssa",
    "professor",
    "professore",
    "professoressa",
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "miss",
    "mx",
    "mx.",
    "doctor",
    "sir",
    "dame",
    "lady",
    "lord",
    "don",
    "suor",
    "suora",
    "padre",
    "fra",
    "frate",
    "avv.",
    "avvocato",
    "ing.",
    "ingegnere",
    "arch.",
    "on.",
    "onorevole",
    "sen.",
    "senatore",
    "senatrice",
    "barone",
    "baronessa",
    "bar.",
    "marchese",
    "principe",
    "principessa",
    "papa",
    "re",
    "regina",
    "nonno",
    "nonna",
    "zio",
    "zia",
    "grandma",
    "grandpa",
    "granny",
    "nan",
    "nana",
    "aunt",
    "auntie",
    "uncle",
    "rev.",
    "reverend",
    "father",
    "sister",
    "brother",
    "maestro",
    "maestra",
    "mister",
    "coach",
    "presidente",
    "president",
    "premier",
    "ministro",
    "ministra",
    "segretario",
    "segretaria",
    "sindaco",
    "sindaca",
    "governatore",
    "governatrice",
    "cardinale",
    "arcivescovo",
    "vescovo",
    "monsignor",
    "mons.",
    "generale",
    "gen.",
    "colonnello",
    "col.",
    "capitano",
    "cap.",
    "ammiraglio",
    "commissario",
    "giudice",
    "cancelliere",
    "cancelliera",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "chancellor",
    "senator",
    "governor",
    "general",
    "colonel",
    "captain",
    "bishop",
    "archbishop",
    "cardinal",
    "judge",
    "detective",
    "inspector",
    "ispettore",
    "ispettrice",
    "sergente",
    "sergeant",
    "agente",
    "avvocatessa",
];
static TITLE_SET: WordSet<512> = WordSet::new(TITLES);

/// Words near a name that say it is a person: greetings, thanks, wishes, care words.
const CONTEXT: &[&str] = &[
    "paziente",
    "pazienti",
    "patient",
    "patients",
    "grazie",
    "grazie a",
    "grazie alla",
    "grazie al",
    "auguri",
    "auguri a",
    "tanti auguri",
    "buon compleanno",
    "complimenti",
    "ciao",
    "salve",
    "buongiorno",
    "buonasera",
    "benvenuto",
    "benvenuta",
    "bentornato",
    "bentornata",
    "caro",
    "cara",
    "gentile",
    "hi",
    "hey",
    "hello",
    "dear",
    "thanks",
    "thank you",
    "thanks to",
    "happy birthday",
    "congratulations",
    "congrats",
    "welcome",
    "welcome back",
    "shout-out",
    "shout out",
    "well done",
    "bravo",
    "brava",
    "bravissimo",
    "bravissima",
    "figlio",
    "figlia",
    "moglie",
    "marito",
    "mamma",
    "papà",
    "son",
    "daughter",
    "wife",
    "husband",
    "mum",
    "mom",
    "dad",
    "amico",
    "amica",
    "friend",
];

/// Lower-case particles that join the words of one name ("Maria de Filippi", "Faa di Bruno").
const PARTICLES: &[&str] = &[
    "de", "di", "da", "del", "della", "dei", "degli", "dello", "van", "von", "der", "den", "du", "dos", "das", "af",
    "bin", "ibn", "al", "el", "ben", "mac",
];
static PARTICLES_SET: WordSet<64> = WordSet::new(PARTICLES);

/// Particles that are also everyday Italian prepositions: inside a name only after a given
/// name ("Maria de Filippi", "Luca di Montezemolo"; not "Camera dei Deputati").
const PREPOSITION_PARTICLES: &[&str] = &["de", "di", "da", "del", "della", "dei", "degli", "dello", "d'"];

/// Capitalised particles that start a surname ("De Luca", "Lo Russo", "Van Gogh").
const CAPITAL_PARTICLES: &[&str] = &[
    "de", "di", "da", "del", "della", "dello", "dal", "dalla", "lo", "la", "li", "van", "von", "le", "mc", "mac", "st",
    "san", "santa", "dos", "das", "du", "el", "al", "ben", "bin",
];
static CAPITAL_PARTICLES_SET: WordSet<64> = WordSet::new(CAPITAL_PARTICLES);

/// Capitalised particles that start a surname and are no article ("De", "Di", "Dalla", "Van").
const SURNAME_PARTICLES: &[&str] =
    &["de", "di", "da", "del", "della", "dello", "dal", "dalla", "van", "von", "du", "dos", "das", "mc", "mac"];
static SURNAME_PARTICLES_SET: WordSet<32> = WordSet::new(SURNAME_PARTICLES);

/// Elided articles and prepositions before a capitalised word ("dell'Atalanta", "l'Italia").
const ELISIONS: &[&str] =
    &["l", "d", "dell", "all", "nell", "sull", "dall", "coll", "un", "quell", "quest", "sant", "c", "s", "n"];

/// Sequences of initials that are abbreviations, not people.
const NOT_INITIALS: &[&str] = &[
    "u.s.", "u.k.", "n.b.", "p.s.", "a.d.", "b.c.", "d.c.", "e.u.", "u.e.", "s.p.", "i.e.", "e.g.", "a.c.", "f.c.",
    "s.r.", "s.a.", "d.l.", "d.m.", "d.p.", "c.v.", "r.i.p.", "q.b.", "o.k.", "t.v.", "p.t.", "n.d.r.", "u.s.a.",
    "s.s.", "c.c.", "v.s.", "a.s.",
];
static NOT_INITIALS_SET: WordSet<64> = WordSet::new(NOT_INITIALS);

/// Words that keep initials a patient's ("la paziente F.R.", "Sig. M.B., 45 anni").
const INITIALS_CONTEXT: &[&str] = &[
    "paziente",
    "pz",
    "pz.",
    "patient",
    "grazie",
    "grazie a",
    "grazie alla",
    "grazie al",
    "auguri",
    "thanks",
    "thank you",
    "sig.",
    "sig.ra",
    "signora",
    "signor",
    "mr",
    "mrs",
    "ms",
    "anni",
    "years",
    "year-old",
    "aged",
    "età",
    "caso",
    "case",
    "bambino",
    "bambina",
    "uomo",
    "donna",
    "man",
    "woman",
    "ragazzo",
    "ragazza",
    "maschio",
    "femmina",
    "sesso",
    "nato",
    "nata",
    "male",
    "female",
    "neonato",
    "neonata",
    "fratello",
    "sorella",
    "fratellino",
    "sorellina",
    "figlio",
    "figlia",
    "piccolo",
    "piccola",
    "giunto",
    "giunta",
    "giunge",
    "ricoverato",
    "ricoverata",
    "brother",
    "sister",
    "son",
    "daughter",
];

/// Greetings and thanks that open a sentence before a name.
const GREETINGS: &[&str] = &[
    "ciao",
    "hi",
    "hey",
    "hello",
    "dear",
    "caro",
    "cara",
    "cari",
    "care",
    "grazie",
    "thanks",
    "auguri",
    "buongiorno",
    "buonasera",
    "salve",
    "benvenuto",
    "benvenuta",
    "welcome",
    "congratulations",
    "complimenti",
    "bravo",
    "brava",
    "forza",
    "morning",
    "evening",
];
static GREETINGS_SET: WordSet<64> = WordSet::new(GREETINGS);

/// Platforms, brands and institutions that clinic posts name and that no word list knows:
/// capitalised and unknown, they would otherwise look like surnames.
const NOT_PEOPLE: &[&str] = &[
    "instagram",
    "facebook",
    "tiktok",
    "linkedin",
    "youtube",
    "twitter",
    "google",
    "whatsapp",
    "telegram",
    "threads",
    "pinterest",
    "snapchat",
    "amazon",
    "netflix",
    "microsoft",
    "apple",
    "samsung",
    "colgate",
    "oral-b",
    "curasept",
    "sensodyne",
    "philips",
    "sonicare",
    "invisalign",
    "straumann",
    "nobel",
    "biocare",
    "mentadent",
    "aquafresh",
    "listerine",
    "elmex",
    "meridol",
    "parodontax",
    "vitis",
    "gum",
    "tepe",
    "waterpik",
    "clearcorrect",
    "spark",
    "asl",
    "ats",
    "inps",
    "inail",
    "nhs",
    "gdc",
    "andi",
    "aio",
    "sido",
    "fnomceo",
    "omceo",
    "enpam",
    "cao",
    "covid",
    "sars",
    "whatsapp",
    "zoom",
    "teams",
    "spotify",
];
static NOT_PEOPLE_SET: WordSet<128> = WordSet::new(NOT_PEOPLE);

/// Months and days that are also given names ("May", "June", "April"): alone, they are dates.
const CALENDAR_EN: &[&str] =
    &["january", "february", "march", "april", "may", "june", "july", "august", "monday", "friday", "sunday"];
const CALENDAR_IT: &[&str] = &["gennaio", "aprile", "maggio", "giugno", "domenica", "sabato"];

const MAX_RUN_WORDS: usize = 6;

pub struct PersonRecogniser {
    titles: LexiconId,
    context: LexiconId,
    initials_context: LexiconId,
    initials: PatternId,
    gazetteer: &'static Gazetteer,
}

impl PersonRecogniser {
    pub fn new(builder: &mut ScannerBuilder) -> Self {
        let titles = builder.lexicon("person.title");
        for (i, t) in TITLES.iter().enumerate() {
            builder.term(titles, t, i as u32);
        }
        let context = builder.lexicon("person.context");
        for (i, t) in CONTEXT.iter().enumerate() {
            builder.term(context, t, i as u32);
        }
        let initials_context = builder.lexicon("person_initials.context");
        for (i, t) in INITIALS_CONTEXT.iter().enumerate() {
            builder.term(initials_context, t, i as u32);
        }
        Self {
            titles,
            context,
            initials_context,
            // Two or three initials, each a capital and a dot: "F.R.", "J. W.", "A.B.C.".
            initials: builder.pattern(r"\p{Lu}\.[ \u{a0}]?\p{Lu}\.(?:[ \u{a0}]?\p{Lu}\.)?"),
            gazetteer: Gazetteer::get(),
        }
    }
}

/// How a word of a run takes part in a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A capitalised (or ALL-CAPS known) word.
    Word,
    /// A lower-case or capitalised particle inside a name.
    Particle,
    /// A single capital followed by a dot.
    Initial,
    /// A regnal number after a name (II, XVI).
    Numeral,
}

#[derive(Debug, Clone, Copy)]
struct RunWord {
    span: ByteSpan,
    part: Part,
    class: WordClass,
    /// Part of a multi-word place name ("Regno Unito").
    in_place: bool,
}

/// A run of capitalised words, trimmed to its name and scored.
#[derive(Debug, Clone, Copy)]
struct NameRun {
    span: ByteSpan,
    score: f32,
    /// The folded last word, for "the same name again" (an index into the folded text).
    last_word: ByteSpan,
    /// Whether the run could be a name again later (a single word not ruled out).
    single_word: bool,
    /// A common word capitalised inside a sentence (score 0): a name only in a list of names.
    listable: bool,
}

impl Recogniser for PersonRecogniser {
    fn name(&self) -> &'static str {
        "person"
    }

    fn entity_types(&self) -> &[EntityType] {
        &[EntityType::Person, EntityType::PersonInitials]
    }

    fn recognise(&self, scan: &Scan<'_>, input: &RecogniseInput<'_>, out: &mut Vec<Candidate>) {
        let titles = scan.hits(self.titles);
        let mut runs: Vec<NameRun> = Vec::new();
        let tokens = &scan.tokens;
        let mut plain = PlainWords::new(scan.text);
        let mut i = 0;
        while i < tokens.len() {
            if plain.is_plain(tokens[i]) {
                i += 1;
                continue;
            }
            let Some(first) = self.run_start(scan, i) else {
                i += 1;
                continue;
            };
            let mut words = [first; MAX_RUN_WORDS];
            let mut n = 1;
            let mut j = i + 1;
            while n < MAX_RUN_WORDS && j < tokens.len() {
                let prev = words[n - 1];
                let Some(word) = self.continue_run(scan, prev, j, input.language) else {
                    break;
                };
                words[n] = word;
                n += 1;
                j += 1;
            }
            // A trailing particle or a lone initial does not end a name.
            while n > 0 && words[n - 1].part == Part::Particle {
                n -= 1;
                j -= 1;
            }
            if n > 0
                && let Some(run) = self.score_run(scan, input.language, titles, &mut words[..n])
            {
                runs.push(run);
            }
            i = j.max(i + 1);
        }

        // The same name again: a word accepted as (part of) a name elsewhere in the text is a
        // name wherever it appears capitalised.
        // Sorted once, searched per run: no quadratic comparison on long texts.
        let mut confident: Vec<(&str, ByteSpan)> = runs
            .iter()
            .filter(|r| r.score >= 0.6)
            .map(|r| (&scan.folded[r.last_word.start..r.last_word.end], r.last_word))
            .collect();
        confident.sort_unstable();
        for run in &mut runs {
            if !run.single_word || run.score >= 0.75 {
                continue;
            }
            let word = &scan.folded[run.last_word.start..run.last_word.end];
            let from = confident.partition_point(|(w, _)| *w < word);
            if confident[from..].iter().take_while(|(w, _)| *w == word).any(|(_, span)| *span != run.last_word) {
                run.score = 0.75;
            }
        }
        // Lists of places and things: a single word listed with a place ("Calatafimi, Palermo,
        // Milazzo, Capua") is a place; three or more listed words of which no list knows one as
        // a name ("Cattenom, Civaux, Golfech e Penly") are not people either.
        for run in &mut runs {
            if run.single_word && (run.score > 0.0 || run.listable) && run.score < 0.8 {
                let own = classify_word(self.gazetteer, &scan.folded[run.last_word.start..run.last_word.end]);
                let clear_given = own.has(WordClass::GIVEN) && !is_common(own, input.language);
                let list = self.list_around(scan, run.span);
                if (list.place && !clear_given) || (list.items >= 3 && !list.name && !own.is_name()) {
                    run.score = 0.0;
                    run.listable = false;
                }
            }
        }
        // Lists of names: "Bruno, Piergabriele e Luciano", "Profumo e Viola". A weak single
        // word joined to a confident name by a comma or a conjunction is a name too.
        // A common word there has score 0: capitalised inside a sentence, it is a proper noun.
        for k in 0..runs.len() {
            if !(runs[k].single_word && (runs[k].score > 0.0 || runs[k].listable) && runs[k].score < 0.6) {
                continue;
            }
            let gap = |a: ByteSpan, b: ByteSpan| scan.text[a.end..b.start].trim();
            let joined = |a: ByteSpan, b: ByteSpan| matches!(gap(a, b), "," | "e" | "ed" | "and" | "o" | "or" | "&");
            let before = k > 0 && runs[k - 1].score >= 0.6 && joined(runs[k - 1].span, runs[k].span);
            let after = k + 1 < runs.len() && runs[k + 1].score >= 0.6 && joined(runs[k].span, runs[k + 1].span);
            let lifted = if runs[k].score > 0.0 {
                before || after
            } else {
                // A common word needs more: "and" with a name, or names on both sides of its
                // commas. A comma alone after a name opens an apposition ("Preziosa, Capo di
                // Stato Maggiore"; "Benedetto XVI" after "il Pontefice,").
                let letters = scan.text[runs[k].span.start..runs[k].span.end].chars().count();
                let and = |a: ByteSpan, b: ByteSpan| matches!(gap(a, b), "e" | "ed" | "and");
                letters >= 4
                    && ((before && and(runs[k - 1].span, runs[k].span))
                        || (after && and(runs[k].span, runs[k + 1].span))
                        || (before && after))
            };
            if lifted {
                runs[k].score = 0.65;
            }
        }
        for run in runs {
            if run.score > 0.0 {
                out.push(
                    Candidate::new(run.span, EntityType::Person, run.score, self.name()).with_context(self.context),
                );
            }
        }

        for m in scan.matches(self.initials) {
            if !is_isolated_initials(scan.text, m.start(), m.end()) {
                continue;
            }
            let folded: String = scan.folded[m.start()..m.end()].chars().filter(|c| !c.is_whitespace()).collect();
            let time_of_day = matches!(folded.as_str(), "a.m." | "p.m.")
                && scan.text[..m.start()].trim_end().chars().next_back().is_some_and(|c| c.is_ascii_digit());
            if NOT_INITIALS_SET.contains(folded.as_str()) || time_of_day {
                continue;
            }
            // Initials opening a sentence are its subject ("C.G. è giunto…"): a person.
            let score = if is_sentence_initial(scan.text, m.start()) { 0.5 } else { 0.45 };
            out.push(
                Candidate::new(ByteSpan::new(m.start(), m.end()), EntityType::PersonInitials, score, "person_initials")
                    .with_context(self.initials_context),
            );
        }
    }
}

/// What a list around a word holds ("Monselice, Este, Vicenza e Schio").
#[derive(Debug, Default, Clone, Copy)]
struct ListAround {
    /// Listed capitalised words, the word itself included.
    items: usize,
    /// Whether another item is a place and no name ("Vicenza").
    place: bool,
    /// Whether another item is a known given name or surname.
    name: bool,
}

/// Words that join the items of a list.
const LIST_JOINS: &[&str] = &["e", "ed", "o", "oppure", "and", "or"];

const MAX_LIST_ITEMS: usize = 12;

impl PersonRecogniser {
    /// The list of single capitalised words `span` is an item of, read from the tokens: items
    /// joined by commas, dashes or conjunctions. No allocation: a bounded walk each way.
    fn list_around(&self, scan: &Scan<'_>, span: ByteSpan) -> ListAround {
        let tokens = &scan.tokens;
        let text = scan.text;
        let mut list = ListAround { items: 1, ..ListAround::default() };
        let first = scan.token_at(span.start);
        let Some(last) = tokens.iter().skip(first).position(|t| t.end >= span.end).map(|p| first + p) else {
            return list;
        };
        let visit = |k: usize, list: &mut ListAround| -> bool {
            let t = tokens[k];
            if !starts_upper(&text[t.start..t.end]) {
                return false;
            }
            // The item is one capitalised word: the list ends where a run of them does.
            let folded = &scan.folded[t.start..t.end];
            let class = classify_word(self.gazetteer, folded);
            list.items += 1;
            // A town of 10,000 people or more, a region or a country ("Cavour" is also a village).
            list.place |= class.has(WordClass::PLACE)
                && !class.is_name()
                && self.gazetteer.population(folded).is_none_or(|p| p == 0 || p >= 10_000);
            list.name |= class.is_name();
            true
        };
        let separator = |a: ByteSpan, b: ByteSpan| {
            let gap = text[a.end..b.start].trim();
            matches!(gap, "," | "-" | "–")
        };
        let is_join = |k: usize| {
            let t = tokens[k];
            LIST_JOINS.contains(&&scan.folded[t.start..t.end]) && single_space(text, t.end, tokens[k + 1].start)
        };
        // Leftwards.
        let mut k = first;
        while list.items < MAX_LIST_ITEMS && k > 0 {
            let item = if separator(tokens[k - 1], tokens[k]) {
                k - 1
            } else if k >= 2 && is_join(k - 1) && single_space(text, tokens[k - 2].end, tokens[k - 1].start) {
                k - 2
            } else {
                break;
            };
            if item > 0
                && starts_upper(&text[tokens[item - 1].start..tokens[item - 1].end])
                && single_space(text, tokens[item - 1].end, tokens[item].start)
            {
                break;
            }
            if !visit(item, &mut list) {
                break;
            }
            k = item;
        }
        // Rightwards.
        let mut k = last;
        while list.items < MAX_LIST_ITEMS && k + 1 < tokens.len() {
            let item = if separator(tokens[k], tokens[k + 1]) {
                k + 1
            } else if k + 2 < tokens.len() && is_join(k + 1) && single_space(text, tokens[k].end, tokens[k + 1].start) {
                k + 2
            } else {
                break;
            };
            if item + 1 < tokens.len()
                && starts_upper(&text[tokens[item + 1].start..tokens[item + 1].end])
                && single_space(text, tokens[item].end, tokens[item + 1].start)
            {
                break;
            }
            if !visit(item, &mut list) {
                break;
            }
            k = item;
        }
        list
    }

    /// The first word of a run at token `i`, if it can start a name. The caller has ruled out
    /// plain lower-case words ([`PlainWords`]): they start none.
    fn run_start(&self, scan: &Scan<'_>, i: usize) -> Option<RunWord> {
        let token = scan.tokens[i];
        let span = name_core(scan.text, token);
        if span.is_empty() {
            return None;
        }
        let word = &scan.text[span.start..span.end];
        let folded = &scan.folded[span.start..span.end];
        // An initial that opens a name: "G. B. Piatti".
        if is_initial(scan.text, span) {
            let next = scan.tokens.get(i + 1)?;
            return starts_upper(&scan.text[next.start..next.end]).then_some(RunWord {
                span: ByteSpan::new(span.start, span.end + 1),
                part: Part::Initial,
                class: WordClass::default(),
                in_place: false,
            });
        }
        match shape(word) {
            Shape::Capitalised => {
                let class = classify_word(self.gazetteer, folded);
                let part = if CAPITAL_PARTICLES_SET.contains(folded)
                    && scan.tokens.get(i + 1).is_some_and(|n| starts_upper(&scan.text[n.start..n.end]))
                    && single_space(scan.text, span.end, scan.tokens[i + 1].start)
                {
                    Part::Particle
                } else {
                    Part::Word
                };
                Some(RunWord { span, part, class, in_place: false })
            }
            Shape::AllCaps => {
                let class = classify_word(self.gazetteer, folded);
                all_caps_name(folded, class).then_some(RunWord { span, part: Part::Word, class, in_place: false })
            }
            Shape::Other => None,
        }
    }

    /// The next word of a run, if token `j` continues the name that ends with `prev`.
    fn continue_run(&self, scan: &Scan<'_>, prev: RunWord, j: usize, language: Language) -> Option<RunWord> {
        let token = scan.tokens[j];
        let text = scan.text;
        let gap = &text[prev.span.end..token.start];
        let gap_ok = match prev.part {
            Part::Initial => gap.chars().all(|c| c == ' ' || c == '\u{a0}') && gap.len() <= 2,
            _ => !gap.is_empty() && gap.len() <= 2 && gap.chars().all(|c| c == ' ' || c == '\u{a0}'),
        };
        if !gap_ok || prev.part == Part::Numeral {
            return None;
        }
        let word = &text[token.start..token.end];
        let folded = &scan.folded[token.start..token.end];
        if is_initial(text, token) {
            // "Marzotti S.p.A." is a company, not "Marzotti S.".
            if legal_form_at(scan, token.start) {
                return None;
            }
            return Some(RunWord {
                span: ByteSpan::new(token.start, token.end + 1),
                part: Part::Initial,
                class: WordClass::default(),
                in_place: false,
            });
        }
        if prev.part != Part::Initial && prev.part != Part::Particle && is_regnal_number(word, language) {
            return Some(RunWord { span: token, part: Part::Numeral, class: WordClass::default(), in_place: false });
        }
        let span = possessive_stripped(text, token);
        match shape(&text[span.start..span.end]) {
            Shape::Capitalised => {
                let next_upper = scan
                    .tokens
                    .get(j + 1)
                    .is_some_and(|n| starts_upper(&text[n.start..n.end]) && single_space(text, token.end, n.start));
                let part =
                    if CAPITAL_PARTICLES_SET.contains(folded) && next_upper { Part::Particle } else { Part::Word };
                Some(RunWord {
                    span,
                    part,
                    class: classify_word(self.gazetteer, &scan.folded[span.start..span.end]),
                    in_place: false,
                })
            }
            Shape::AllCaps if prev.part == Part::Word && prev.class.is_name() => {
                // After a known name in capitals, any known name continues it ("MARIO ROSSI").
                let folded = &scan.folded[span.start..span.end];
                let class = classify_word(self.gazetteer, folded);
                (class.is_name() && folded.chars().count() >= 2).then_some(RunWord {
                    span,
                    part: Part::Word,
                    class,
                    in_place: false,
                })
            }
            // "Óscar de la Hoya", "Fernando de la Rúa": Spanish "de la", "de los" in a name.
            _ if matches!(folded, "la" | "las" | "los")
                && prev.part == Part::Particle
                && &scan.folded[prev.span.start..prev.span.end] == "de" =>
            {
                let next = scan.tokens.get(j + 1)?;
                (starts_upper(&text[next.start..next.end]) && single_space(text, token.end, next.start)).then_some(
                    RunWord { span: token, part: Part::Particle, class: WordClass::default(), in_place: false },
                )
            }
            _ if PARTICLES_SET.contains(folded) || folded == "d'" => {
                // A lower-case particle joins only when a capitalised word follows it.
                if PREPOSITION_PARTICLES.contains(&folded) && !prev.class.has(WordClass::GIVEN) {
                    return None;
                }
                let next = scan.tokens.get(j + 1)?;
                // "Francesco da Rio de Janeiro": a preposition before a place is not a particle.
                if PREPOSITION_PARTICLES.contains(&folded)
                    && classify_word(self.gazetteer, &scan.folded[next.start..next.end]).has(WordClass::PLACE)
                {
                    return None;
                }
                // "de la Hoya": the article of a Spanish particle comes between.
                let spanish_article = folded == "de"
                    && matches!(&scan.folded[next.start..next.end], "la" | "las" | "los")
                    && scan
                        .tokens
                        .get(j + 2)
                        .is_some_and(|n| starts_upper(&text[n.start..n.end]) && single_space(text, next.end, n.start));
                ((starts_upper(&text[next.start..next.end]) || spanish_article)
                    && single_space(text, token.end, next.start))
                .then_some(RunWord { span: token, part: Part::Particle, class: WordClass::default(), in_place: false })
            }
            _ => None,
        }
    }

    /// Trims a run to its name and scores it; `None` when it is not a person.
    fn score_run(
        &self,
        scan: &Scan<'_>,
        language: Language,
        titles: &[LexiconHit],
        words: &mut [RunWord],
    ) -> Option<NameRun> {
        let text = scan.text;
        self.mark_places(scan, words);
        let common = |class: WordClass| is_common(class, language);

        let mut start = 0;
        let mut end = words.len();
        let initial_position = is_sentence_initial(text, words[0].span.start);
        let mut titled = has_title_before(scan, titles, words[0].span.start);
        // Verbs only people are the subject of, right before the run ("disse Cinto", "ha
        // dichiarato Rossi", "moriva Verdi", "said Pip"), vouch for it less than a title.
        // So does an apposition after a comma that gives a role or an age ("Provenzali, già
        // direttore di Radio Uno", "Amarilli Caprio, 26 anni", "Tom Hale, our new nurse").
        // Unlike a title it does not keep the words a run sheds ("Secondo Mario Rossi, direttore").
        let voiced = !titled && !initial_position && after_human_verb(scan, words[0].span.start);
        let appositive = !titled && !voiced && role_apposition_after(scan, words[words.len() - 1].span.end);
        titled |= voiced;
        // A capitalised title inside the run ("Professor Helen Ward", "Dr Aisha Khan").
        while start < end && words[start].part == Part::Word && is_title_at(scan, words[start].span) {
            if start + 1 < end {
                titled = true;
                start += 1;
            } else {
                return None;
            }
        }
        // A role and what it is a role of, then the person: "il ministro del Lavoro Poletti",
        // "il presidente della Regione Lazio Piero Marrazzo", "il sindaco di New York Bill de
        // Blasio". The run holds the complement and the name: the name starts at a clear given
        // name, or is the last word when that is a surname or a word no list knows.
        let complement =
            if titled || initial_position { None } else { role_complement_before(scan, words[0].span.start) };
        if let Some(words_between) = complement {
            // With no word between the preposition and the run, the run starts with the
            // complement ("un responsabile del Robert Koch-Institut" is no person).
            let first = if words_between { start } else { start + 1 };
            let name_or_unknown =
                |w: &RunWord| w.part != Part::Word || (!w.in_place && (w.class.is_name() || w.class.is_unknown()));
            // The name starts at a given name followed by names ("Romano Prodi", "Bill de
            // Blasio", "Piero Marrazzo")…
            // A hamlet that is also a name is the name ("Marta", "Bianchi").
            let hamlet = |w: &RunWord| {
                self.gazetteer.population(&scan.folded[w.span.start..w.span.end]).is_some_and(|p| p > 0 && p < 10_000)
            };
            let given_at = |k: usize| {
                words[k].part == Part::Word
                    && words[k].class.has(WordClass::GIVEN)
                    && !words[k].in_place
                    && (!words[k].class.has(WordClass::PLACE) || hamlet(&words[k]))
                    && k + 1 < end
            };
            // Right after the preposition, a run of known names is the person the role
            // belongs to ("la figlia di George Floyd", "ministro di Carlo Alberto").
            let own_name = !words_between
                && given_at(start)
                && words[start + 1..end].iter().all(|w| w.part != Part::Word || (!w.in_place && w.class.is_name()));
            let given_led = if own_name {
                None
            } else {
                (first..end).find(|&k| given_at(k) && words[k + 1..end].iter().all(name_or_unknown))
            };
            if let Some(k) = given_led {
                start = k;
                titled = true;
            } else if end - start >= 2 && words[end - 1].part == Part::Word {
                // …or is the last word, a surname or a word no list knows, after a complement of
                // known words ("del Lavoro Poletti", "dei Trasporti Bianchi", "di Belgrado
                // Irinej"); not after an organisation's head noun, whose name follows it
                // ("della Fondazione Cariplo").
                let last = words[end - 1];
                let head = &scan.folded[words[start].span.start..words[start].span.end];
                let surname_like = !last.in_place
                    && (!last.class.has(WordClass::PLACE) || (hamlet(&last) && last.class.is_name()))
                    && (last.class.has(WordClass::SURNAME) || !common(last.class));
                let own = match language {
                    Language::Italian => WordClass::COMMON_IT,
                    Language::English => WordClass::COMMON_EN,
                };
                let known_complement = words[start..end - 1].iter().all(|w| {
                    w.part != Part::Word
                        || ((w.class.has(own) || w.class.has(WordClass::PLACE)) && !w.class.has(WordClass::GIVEN))
                });
                let org_head = is_thing_noun(head) || PLACE_NOUNS_SET.contains(head) || ORG_HEADS.contains(&head);
                if !own_name && surname_like && known_complement && !org_head {
                    start = end - 1;
                    while start > 0 && words[start - 1].part == Part::Particle {
                        start -= 1;
                    }
                    titled = true;
                }
            }
        }
        // A lone common word capitalised inside a sentence, with no article, is a proper noun:
        // a name when it is listed with people ("Fanfani e Rumor", "Ceschi, Moro e Arata").
        // The word may follow a common word opening the sentence ("Adesso Cinto mi veniva").
        let lone = match words.len() {
            1 if !initial_position => Some(0),
            2 if initial_position
                && words[0].part == Part::Word
                && common(words[0].class)
                && !words[0].class.is_name() =>
            {
                Some(1)
            }
            _ => None,
        };
        if let Some(k) = lone.filter(|_| !titled && !appositive) {
            let w = words[k];
            let elided = w.span.start > 0 && matches!(char_before(text, w.span.start), Some('\'' | '’'));
            // A hamlet's name is more often a word or a person's than the hamlet ("Cinto").
            let hamlet =
                self.gazetteer.population(&scan.folded[w.span.start..w.span.end]).is_some_and(|p| p > 0 && p < 10_000);
            if w.part == Part::Word
                && common(w.class)
                && !w.class.is_name()
                && (!w.class.has(WordClass::PLACE) || hamlet)
                && !w.in_place
                && !elided
                && !article_before(scan, w.span.start, language)
            {
                // Followed by its verb ("e Ricotta è stato portato", "quando Padrino era
                // andato"), it is the subject: a person, since places were ruled out.
                let folded = &scan.folded[w.span.start..w.span.end];
                let score = if language == Language::Italian
                    && w.class.has(WordClass::COMMON_IT)
                    && could_be_subject_name(folded)
                    && !after_locative(scan, w.span.start)
                    && subject_verb_after(scan, w.span.end)
                {
                    0.6
                } else {
                    0.0
                };
                return Some(NameRun { span: w.span, score, last_word: w.span, single_word: true, listable: true });
            }
        }
        // Leading common words: the start of the sentence ("Ieri Mario"), or an organisation
        // or place heading the run ("Democrazia Cristiana", "Studio Bianchi") unless a clear
        // given name follows ("Happy Birthday Sarah").
        // "La", "Lo", "Di" opening a sentence are articles and prepositions unless the pair is
        // a known surname ("La Russa", "Lo Russo").
        // "De" is no Italian preposition (and "Di", "Del" before a word that is neither a
        // place nor a common word are no prepositions either): "De Gasperi", "Di Maio", "Del Piero".
        if initial_position && words[0].part == Part::Particle && words.len() > 1 && !titled {
            let pair = ByteSpan::new(words[0].span.start, words[1].span.end);
            let particle = &scan.folded[words[0].span.start..words[0].span.end];
            let next = words[1];
            let surname_particle = particle == "de"
                || (matches!(particle, "di" | "del")
                    && next.part == Part::Word
                    && !next.class.has(WordClass::PLACE)
                    && !is_common(next.class, language));
            if !surname_particle
                && !classify_word(self.gazetteer, &scan.folded[pair.start..pair.end]).has(WordClass::SURNAME)
            {
                start = 1;
            }
        }
        let mut stripped_inside = false;
        let common_only = |w: &RunWord| w.part == Part::Word && (common(w.class) || w.in_place) && !w.class.is_name();
        while start < end && !titled {
            let w = words[start];
            // An apposition vouches for the words inside a sentence; at its start the opener
            // still goes ("Secondo Mario Rossi, direttore").
            // Opening a sentence, a lone common word stays a word: "Donna, 45 anni, …" is how
            // clinical case reports start.
            let opening_common = start == 0 && initial_position && common(w.class);
            if appositive && ((start + 1 == end && !opening_common) || !(start == 0 && initial_position)) {
                break;
            }
            let article = w.part == Part::Particle
                && start == 0
                && initial_position
                && start + 1 < end
                && common_only(&words[start + 1]);
            // At the start of a sentence a common word that is not a given name is the word
            // ("Hey Lily", "Grazie Marco"), even when some surname list has it.
            let opener = start == 0
                && initial_position
                && start + 1 < end
                && w.part == Part::Word
                && ((common(w.class) && !w.class.has(WordClass::GIVEN))
                    || GREETINGS_SET.contains(&scan.folded[w.span.start..w.span.end]));
            // A common word heading a run is a thing's head noun even when it is also a surname
            // ("Villa Glori", "Palazzo Grazioli", "Monte Suello"), unless it is a given name.
            let thing_head = start + 1 < end
                && w.part == Part::Word
                && common(w.class)
                && !w.class.has(WordClass::GIVEN)
                && words[start + 1].part == Part::Word;
            if !(article || opener || thing_head || common_only(&w)) {
                break;
            }
            if !(start == 0 && initial_position) {
                stripped_inside = true;
            }
            start += 1;
        }
        // "Di" after a stripped word is a preposition, not a particle.
        while stripped_inside && start + 1 < end && words[start].part == Part::Particle {
            start += 1;
        }
        if start >= end {
            return None;
        }
        if stripped_inside {
            let w = words[start];
            let clear_given = w.class.has(WordClass::GIVEN) && !common(w.class) && !w.class.has(WordClass::PLACE);
            if !clear_given {
                return None;
            }
        }
        // A place inside the run ends the name before it ("Mario Rossi Bergamo" is rare;
        // "Roma Capitale" is not a person).
        // A single place word ends it too, unless a name comes first ("Roberto Galli": after a
        // given name, the next capitalised word is the surname whatever else it is).
        let big_place = |w: &RunWord| {
            w.part == Part::Word
                && !w.class.is_name()
                && self
                    .gazetteer
                    .population(&scan.folded[w.span.start..w.span.end])
                    .is_some_and(|p| p == 0 || p >= 100_000)
        };
        // Leading places go like leading common words ("Regione Lombardia Enrico De Alessandri").
        while !titled
            && start + 1 < end
            && words[start].part == Part::Word
            && (words[start].in_place || (words[start].class.has(WordClass::PLACE) && !words[start].class.is_name()))
            && words[start + 1..end].iter().any(|w| w.part == Part::Word && w.class.has(WordClass::GIVEN))
        {
            start += 1;
        }
        let lone_small_place = end - start == 1
            && self
                .gazetteer
                .population(&scan.folded[words[start].span.start..words[start].span.end])
                .is_some_and(|p| p > 0 && p < 10_000);
        if let Some(p) = (start..end).find(|&k| {
            words[k].in_place
                || (!titled
                    && !lone_small_place
                    && words[k].class.has(WordClass::PLACE)
                    && !words[k].class.is_name()
                    && (k == start || big_place(&words[k])))
        }) {
            end = p;
        }
        // After "stazione di", "fiume", "villaggio di" the capitalised words name the place;
        // after "la società", "il quotidiano", "l'uragano" they name a thing ("il quotidiano
        // Libero", "la compagnia aerea Alitalia", "the magazine Vogue").
        // A clear given name and a surname after "di" are the person the place belongs to
        // ("il sito di Julian Assange").
        let full_name = end - start >= 2
            && words[start].part == Part::Word
            && words[start].class.has(WordClass::GIVEN)
            && !common(words[start].class)
            && !words[start].class.has(WordClass::PLACE)
            && after_word(scan, words[start].span.start, "di");
        if !titled
            && start < end
            && ((after_place_noun(scan, words[start].span.start) && !full_name)
                || after_thing_noun(scan, words[start].span.start)
                || (start > 0 && is_thing_noun(&scan.folded[words[start - 1].span.start..words[start - 1].span.end])))
        {
            return None;
        }
        // Trailing common words ("Simon Lee Hospital"); after a capitalised particle the word is
        // a surname whatever else it is ("De Mistura", "Giò Di Tonno").
        let after_capital_particle = |k: usize| k > start && self.surname_particle(scan, &words[k - 1]);
        while end > start
            && words[end - 1].part == Part::Word
            && !after_capital_particle(end - 1)
            && common(words[end - 1].class)
            && !words[end - 1].class.is_name()
            && !titled
            && !appositive
            && !words[start..end - 1].iter().any(|w| w.class.has(WordClass::GIVEN))
        {
            end -= 1;
        }
        while end > start && words[end - 1].part == Part::Particle {
            end -= 1;
        }
        if end <= start {
            return None;
        }
        // A run after "a", "in", "da" that starts with a place is a place ("a Santiago de
        // Compostela", "da Rio de Janeiro"); but "a", "da", "to" and "from" also introduce
        // people, and a given name then a known surname is one ("grazie a Marco Rossi").
        let first = &scan.folded[words[start].span.start..words[start].span.end];
        let given_then_surname = end - start >= 2
            && words[start].part == Part::Word
            && words[start].class.has(WordClass::GIVEN)
            && !PLACE_HEADS_SET.contains(first)
            && self.gazetteer.population(first).is_none_or(|p| p < 100_000)
            && words[end - 1].part == Part::Word
            && words[end - 1].class.has(WordClass::SURNAME)
            && words[start..end].iter().all(|w| w.part == Part::Word);
        // A run headed by "San", "S.", "Villa", "Monte", "Porta", "Marina"… names a place
        // ("San Giuliano", "S. Michele", "Villa Glori", "Marina di Ostia"), unless a title
        // says it is a person or the head is a clear given name.
        if !titled && end - start >= 2 {
            let head = words[start];
            let folded = &scan.folded[head.span.start..head.span.end];
            let head_word = if head.part == Part::Initial { folded.trim_end_matches('.') } else { folded };
            let place_head = if head.part == Part::Initial {
                head_word == "s"
            } else {
                PLACE_HEADS_SET.contains(head_word)
                    && !(head.class.has(WordClass::GIVEN)
                        && !common(head.class)
                        && !CAPITAL_PARTICLES_SET.contains(head_word))
            };
            if place_head {
                return None;
            }
        }
        // "St. Petersburg", "Ste. Marie": the abbreviated saint before the run heads a place.
        if !titled {
            let i = scan.token_at(words[start].span.start);
            if i > 0 {
                let prev = scan.tokens[i - 1];
                if matches!(&scan.folded[prev.start..prev.end], "st" | "ste")
                    && starts_upper(&scan.text[prev.start..prev.end])
                    && matches!(&scan.text[prev.end..words[start].span.start], ". " | ".\u{a0}")
                {
                    return None;
                }
            }
        }
        // Italian "in" before a capitalised word introduces a place, whatever the word
        // ("in Val Camonica", "in Tskhinvali").
        // A person named after it is rare ("in Prussia Ottone Bismarck", "in De Gasperi 1985":
        // a given name or a particle starts one).
        if !titled
            && language == Language::Italian
            && words[start].part == Part::Word
            && after_word(scan, words[start].span.start, "in")
            && !words[start + 1..end]
                .iter()
                .any(|w| w.part == Part::Particle || (w.part == Part::Word && w.class.has(WordClass::GIVEN)))
        {
            return None;
        }
        if !titled
            && words[start].part == Part::Word
            && words[start].class.has(WordClass::PLACE)
            && (after_word(scan, words[start].span.start, "in")
                || (!given_then_surname
                    && ["a", "ad", "da", "verso", "presso", "to", "from", "at"]
                        .iter()
                        .any(|w| after_word(scan, words[start].span.start, w))))
        {
            return None;
        }
        // A run ending in a common word of the other language names a thing ("Byrd Park",
        // "Charles River", "Nordic Council" in Italian text).
        if !titled && end - start >= 2 {
            let other = match language {
                Language::Italian => WordClass::COMMON_EN,
                Language::English => WordClass::COMMON_IT,
            };
            let w = &words[end - 1];
            if w.part == Part::Word && w.class.has(other) && !common(w.class) && !w.class.is_name() {
                return None;
            }
        }
        // Words that end the names of places, organisations and events ("Cofton Park", "Downing
        // Street", "Red Bull Ring", "Tony Award"), or follow them ("Gartner research", "Rossi
        // S.p.A."), make the run a thing. In English text a surname among them ("Stuart Hall")
        // keeps the run a name.
        if !titled && start < end {
            let w = &words[end - 1];
            let last = &scan.folded[w.span.start..w.span.end];
            if (end - start >= 2
                && w.part == Part::Word
                && THING_SUFFIXES_SET.contains(last)
                && (language == Language::Italian || !w.class.is_name()))
                || followed_by_suffix(scan, w.span.end, language)
            {
                return None;
            }
        }
        // A common word (in either language) inside the run makes what precedes it the name of
        // a thing ("Misano World Circuit Marco Simoncelli", "Fed Cup", "Mini Cooper"): keep
        // only what follows, and only if it starts with a clear given name.
        if !titled && !appositive {
            let either_common = |w: &RunWord| {
                w.part == Part::Word
                    && (w.class.has(WordClass::COMMON_IT) || w.class.has(WordClass::COMMON_EN))
                    && !w.class.has(WordClass::GIVEN)
            };
            if end - start >= 2
                && let Some(c) = (start..end - 1).rev().find(|&k| either_common(&words[k]) && !words[k].class.is_name())
            {
                let rest = c + 1;
                let clear_given = words.get(rest).is_some_and(|w| {
                    rest < end && w.class.has(WordClass::GIVEN) && !common(w.class) && !w.class.has(WordClass::PLACE)
                });
                if !clear_given {
                    return None;
                }
                start = rest;
            }
        }
        // Italian puts no article before a person's full name: "il Nordic Council", "al Benito
        // Stirpe", "nella Louis Vuitton Cup", "dell'Agence France Press" name things. A clear
        // given name later in the run starts the person ("della Coldiretti Roberto Moncalvo").
        // The same when the article comes before words the run has shed ("al Nordic Dental
        // Council" is no "Council").
        if !titled {
            let clear_given = |w: &RunWord| {
                w.part == Part::Word
                    && w.class.has(WordClass::GIVEN)
                    && !common(w.class)
                    && !w.class.has(WordClass::PLACE)
            };
            let names = words[start..end].iter().filter(|w| w.part == Part::Word).count();
            if names >= 2 && article_before(scan, words[start].span.start, language) {
                start = (start + 1..end).find(|&k| clear_given(&words[k]) && k + 1 < end)?;
            } else if start > 0 && article_before(scan, words[0].span.start, language) {
                start = (start..end).find(|&k| clear_given(&words[k]) && k + 1 < end)?;
            }
        }
        let core = &words[start..end];
        // No allocation per run: the name words are re-read from the fixed-size run.
        let name_words = || core.iter().filter(|w| w.part == Part::Word);
        let name_count = name_words().count();
        let last = *name_words().next_back()?;
        // A lone word in capitals is an acronym ("IBAN", "IVA", "NHS") unless a title precedes it.
        if name_count == 1 && !titled && shape(&text[last.span.start..last.span.end]) == Shape::AllCaps {
            return None;
        }
        // A title left alone ("Il Dott." before a name on the next run) is not a name.
        if name_count == 1 && is_title_at(scan, last.span) {
            return None;
        }
        let first_initial = start == 0 && initial_position;
        let has_particle = core.iter().any(|w| w.part == Part::Particle);
        let has_initial = core.iter().any(|w| w.part == Part::Initial);
        let has_numeral = core.iter().any(|w| w.part == Part::Numeral);
        let italian = language == Language::Italian;

        let mut listable = false;
        let score = if voiced {
            0.65
        } else if titled {
            0.85
        } else if name_count >= 2 {
            let any_given = name_words().any(|w| w.class.has(WordClass::GIVEN) && !common(w.class));
            let all_names = name_words().all(|w| w.class.is_name());
            let any_common_only = core.iter().enumerate().any(|(k, w)| {
                w.part == Part::Word
                    && common(w.class)
                    && !w.class.is_name()
                    && !(k > 0 && self.surname_particle(scan, &core[k - 1]))
            });
            if name_words().next().is_some_and(common_only) {
                0.0
            } else if any_given && !any_common_only {
                0.85
            } else if all_names {
                0.8
            } else if any_given || name_words().any(|w| w.class.is_name()) {
                0.7
            } else if any_common_only {
                0.0
            } else if italian {
                0.65
            } else {
                0.55
            }
        } else {
            let c = last.class;
            let is_common_word = common(c);
            let folded_last = &scan.folded[last.span.start..last.span.end];
            // Countries, regions and cities: the place wins over a surname ("Francia", "Torino").
            // A hamlet of a few hundred people that is also a name is the name ("Irma").
            let tiny_place = self.gazetteer.population(folded_last).is_some_and(|p| p > 0 && p < 10_000);
            let place = c.has(WordClass::PLACE) && !(tiny_place && c.is_name());
            let small_place = place && tiny_place;
            let big_place = place && self.gazetteer.population(folded_last).is_some_and(|p| p == 0 || p >= 100_000);
            let elided = last.span.start > 0 && matches!(char_before(text, last.span.start), Some('\'' | '’'));
            // An article before a single capitalised word makes it a thing, a team, a place or
            // an institution ("la Juventus", "il Cremlino", "dell'Alitalia", "the Council"),
            // not a person; given names keep a chance ("la Maria" in speech).
            // "la Schiavone", "il Pacini": Italian puts "la" before women's surnames in sports
            // and news, and "il" before surnames in older and Tuscan writing.
            let surname_after_article = c.has(WordClass::SURNAME)
                && !is_common_word
                && !c.has(WordClass::PLACE)
                && !elided
                && language == Language::Italian
                && SURNAME_ARTICLES.iter().any(|a| after_word(scan, core[0].span.start, a));
            let articled = (elided || article_before(scan, core[0].span.start, language)) && !surname_after_article;
            let clear_given = c.has(WordClass::GIVEN) && !is_common_word;
            let calendar = match language {
                Language::Italian => CALENDAR_IT,
                Language::English => CALENDAR_EN,
            };
            let base: f32 = if calendar.contains(&folded_last) || big_place || (articled && !clear_given) {
                0.0
            } else if appositive {
                0.65
            } else if c.has(WordClass::GIVEN) && !is_common_word && !place {
                if first_initial { 0.65 } else { 0.7 }
            } else if c.has(WordClass::SURNAME) && !is_common_word && !place {
                if first_initial { 0.55 } else { 0.65 }
            } else if c.has(WordClass::GIVEN) && !place {
                if first_initial { 0.3 } else { 0.6 }
            } else if c.is_name() && !place {
                // A surname that is also a common word ("Camera", "Guardia"): not alone, and at
                // the start of a sentence it is the word ("Brush your teeth").
                if first_initial { 0.0 } else { 0.45 }
            } else if c.is_name() {
                // A name that is also a place: a place after "a", "di", "from"…, a person otherwise.
                if elided || after_locative(scan, last.span.start) {
                    0.0
                } else if first_initial {
                    0.3
                } else {
                    0.6
                }
            } else if small_place
                && !is_common_word
                && !first_initial
                && italian
                && !elided
                && !after_locative(scan, last.span.start)
                && !after_place_noun(scan, last.span.start)
            {
                // "con Cavour", "fra Cavour e Garibaldi": a small town's name without a
                // preposition of place is more often the person it was named after.
                0.55
            } else if place || is_common_word {
                // A common word capitalised inside a sentence, with no article, is a proper
                // noun: a name when it is listed with people ("Fanfani e Rumor").
                listable = !place && !first_initial && !articled && !elided;
                0.0
            } else if first_initial {
                if plausible_unknown_name(folded_last, &text[last.span.start..last.span.end], true) { 0.5 } else { 0.0 }
            } else if italian
                && plausible_unknown_name(folded_last, &text[last.span.start..last.span.end], false)
                && !["in", "verso", "presso", "nei", "sul", "sulla"]
                    .iter()
                    .any(|w| after_word(scan, core[0].span.start, w))
                && !after_place_noun(scan, core[0].span.start)
            {
                if ["a", "ad"].iter().any(|w| after_word(scan, core[0].span.start, w)) { 0.45 } else { 0.6 }
            } else {
                0.45
            };
            // A word that is also a name or a hamlet, followed by its verb, is the verb's
            // subject: "Piacentini ha chiesto scusa", "Adesso Cinto mi veniva dietro".
            let base = if base < 0.55
                && italian
                && !articled
                && !elided
                && !big_place
                && !calendar.contains(&folded_last)
                && (c.is_name() || small_place || tiny_place)
                && (!first_initial || c.is_name())
                && could_be_subject_name(folded_last)
                && !after_locative(scan, last.span.start)
                && subject_verb_after(scan, last.span.end)
            {
                if first_initial { 0.55 } else { 0.6 }
            } else {
                base
            };
            if has_particle && !first_initial && !articled && base == 0.0 && !big_place {
                // "De Mistura", "Di Maio", "Lo Russo" inside a sentence: a capitalised particle
                // starts a surname whatever the rest is.
                0.7
            } else if base > 0.0 && (has_particle || has_initial || has_numeral) {
                (base + 0.15).min(0.85)
            } else {
                base
            }
        };
        let score = if appositive && name_count >= 2 { score.max(0.65) } else { score };
        if score <= 0.0 && !listable {
            return None;
        }
        let span = ByteSpan::new(core[0].span.start, core[core.len() - 1].span.end);
        Some(NameRun {
            span,
            score: score.max(0.0),
            last_word: last.span,
            single_word: name_count == 1 && !titled,
            listable,
        })
    }

    /// Whether `w` is a capitalised particle that starts a surname ("De Mistura", "Di Tonno",
    /// "Van Gogh"); not an article ("La Base", "Lo Stato").
    fn surname_particle(&self, scan: &Scan<'_>, w: &RunWord) -> bool {
        w.part == Part::Particle
            && starts_upper(&scan.text[w.span.start..w.span.end])
            && SURNAME_PARTICLES_SET.contains(&scan.folded[w.span.start..w.span.end])
    }

    /// Marks the words of multi-word place names ("Regno Unito", "Upper Slaughter" when known).
    fn mark_places(&self, scan: &Scan<'_>, words: &mut [RunWord]) {
        let mut k = 0;
        while k < words.len() {
            let mut matched = 0;
            for m in (k + 2..=words.len().min(k + 4)).rev() {
                let span = ByteSpan::new(words[k].span.start, words[m - 1].span.end);
                if classify_word(self.gazetteer, &scan.folded[span.start..span.end]).has(WordClass::PLACE) {
                    matched = m - k;
                    break;
                }
            }
            if matched > 0 {
                for w in &mut words[k..k + matched] {
                    w.in_place = true;
                }
                k += matched;
            } else {
                k += 1;
            }
        }
    }
}

/// The classes of a folded word. Text in decomposed form ("Perche\u{301}", "Niccolo\u{300}",
/// as some e-books and macOS files have it) is composed first, without allocating: the lists
/// hold composed words.
fn classify_word(gazetteer: &Gazetteer, folded: &str) -> WordClass {
    let mut buf = [0u8; 96];
    gazetteer.classify(composed(folded, &mut buf))
}

/// `folded` with its combining marks composed onto their letters, in `buf` when it has any
/// (the word itself when it has none or is too long for `buf`).
fn composed<'a>(folded: &'a str, buf: &'a mut [u8; 96]) -> &'a str {
    // Combining diacritical marks U+0300..U+036F start with the UTF-8 bytes 0xCC or 0xCD.
    if !folded.bytes().any(|b| b == 0xCC || b == 0xCD) {
        return folded;
    }
    let mut len = 0;
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        let composed = chars.peek().and_then(|&mark| compose(c, mark));
        let out = match composed {
            Some(x) => {
                chars.next();
                x
            }
            None => c,
        };
        let n = out.len_utf8();
        if len + n > buf.len() {
            return folded;
        }
        out.encode_utf8(&mut buf[len..len + n]);
        len += n;
    }
    match std::str::from_utf8(&buf[..len]) {
        Ok(w) => w,
        Err(_) => folded,
    }
}

/// A lower-case Latin letter and a combining mark as one character, for the accents Italian,
/// Spanish, French, German and Portuguese names use.
fn compose(base: char, mark: char) -> Option<char> {
    let table: &[(char, char)] = match mark {
        '\u{300}' => &[('a', 'à'), ('e', 'è'), ('i', 'ì'), ('o', 'ò'), ('u', 'ù')],
        '\u{301}' => &[('a', 'á'), ('e', 'é'), ('i', 'í'), ('o', 'ó'), ('u', 'ú'), ('y', 'ý')],
        '\u{302}' => &[('a', 'â'), ('e', 'ê'), ('i', 'î'), ('o', 'ô'), ('u', 'û')],
        '\u{303}' => &[('a', 'ã'), ('n', 'ñ'), ('o', 'õ')],
        '\u{308}' => &[('a', 'ä'), ('e', 'ë'), ('i', 'ï'), ('o', 'ö'), ('u', 'ü'), ('y', 'ÿ')],
        '\u{327}' => &[('c', 'ç')],
        _ => return None,
    };
    table.iter().find(|(b, _)| *b == base).map(|&(_, c)| c)
}

/// Prepositions after which a capitalised word is a place ("a Cavour", "from Chester").
const LOCATIVES: &[&str] = &[
    "a", "ad", "in", "di", "da", "per", "verso", "presso", "vicino", "tra", "fra", "nel", "nella", "dal", "dalla",
    "al", "alla", "del", "della", "from", "to", "at", "near", "of", "into", "via", "sud", "nord", "est", "ovest",
];
static LOCATIVES_SET: WordSet<64> = WordSet::new(LOCATIVES);

fn after_locative(scan: &Scan<'_>, pos: usize) -> bool {
    let i = scan.token_at(pos);
    i > 0 && {
        let prev = scan.tokens[i - 1];
        single_space(scan.text, prev.end, pos) && LOCATIVES_SET.contains(&scan.folded[prev.start..prev.end])
    }
}

/// Whether a capitalised word no list knows can be a surname: not a brand or institution we
/// know, not an abbreviation (three letters or fewer), not a clinical word by its ending, and
/// no part of a hyphenated word a common word ("Eco-Addome").
fn plausible_unknown_name(folded: &str, word: &str, sentence_start: bool) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if letters <= 3 || NOT_PEOPLE_SET.contains(folded) || folded.starts_with("wiki") {
        return false;
    }
    if NOT_NAME_ENDINGS.iter().any(|e| folded.ends_with(e)) || folded.ends_with("mente") {
        return false;
    }
    // A verb with clitic pronouns opening a sentence ("Lasciatemi", "Dimmelo", "Portala") is
    // a word; inside a sentence "Scalzone" is not "scalzo" + "ne".
    let gazetteer = Gazetteer::get();
    let mut buf = [0u8; 96];
    if sentence_start && italian_word_by_form(gazetteer, composed(folded, &mut buf)) {
        return false;
    }
    for clitic in CLITICS {
        if !sentence_start {
            break;
        }
        if let Some(stem) = folded.strip_suffix(clitic)
            && stem.len() >= 3
            && classify_word(gazetteer, stem).has(WordClass::COMMON_IT)
        {
            return false;
        }
    }
    if folded.contains('-') {
        return folded.split('-').all(|part| {
            part.chars().count() >= 3 && {
                let c = classify_word(gazetteer, part);
                !c.has(WordClass::COMMON_IT) && !c.has(WordClass::COMMON_EN) && !c.has(WordClass::PLACE)
            }
        });
    }
    true
}

/// Italian connectives the word lists lack (Morph-it! has no conjunctions): they open
/// sentences capitalised ("Qualora", "Difatti") and no name is one.
const CONNECTIVES_IT: &[&str] = &[
    "qualora",
    "difatti",
    "invero",
    "seppur",
    "seppure",
    "ciononostante",
    "nondimeno",
    "altresì",
    "laddove",
    "allorché",
    "allorquando",
    "eppure",
    "ebbene",
    "oppure",
    "ossia",
    "ovvero",
    "sennonché",
    "tuttora",
];
static CONNECTIVES_IT_SET: WordSet<64> = WordSet::new(CONNECTIVES_IT);

/// Endings of Italian finite verbs, gerunds and infinitives with a clitic, with the infinitive
/// endings that replace them: "Scendemmo" is "scendere", "Ritornai" "ritornare",
/// "Considerando" "considerare", "Buttarmi" "buttare".
const VERB_ENDINGS: &[(&str, &[&str])] = &[
    ("iamo", &["are", "ere", "ire"]),
    ("ammo", &["are"]),
    ("emmo", &["ere"]),
    ("immo", &["ire"]),
    ("arono", &["are"]),
    ("erono", &["ere"]),
    ("irono", &["ire"]),
    ("avano", &["are"]),
    ("evano", &["ere"]),
    ("ivano", &["ire"]),
    ("ava", &["are"]),
    ("eva", &["ere"]),
    ("iva", &["ire"]),
    ("ando", &["are"]),
    ("endo", &["ere", "ire"]),
    ("erebbero", &["are", "ere"]),
    ("erebbe", &["are", "ere"]),
    ("ereste", &["are", "ere"]),
    ("erei", &["are", "ere"]),
    ("irebbe", &["ire"]),
    ("eranno", &["are", "ere"]),
    ("erò", &["are", "ere"]),
    ("erà", &["are", "ere"]),
    ("irò", &["ire"]),
    ("assero", &["are"]),
    ("essero", &["ere"]),
    ("ai", &["are"]),
    ("ò", &["are"]),
    ("è", &["ere"]),
    ("armi", &["are"]),
    ("arsi", &["are"]),
    ("arci", &["are"]),
    ("arlo", &["are"]),
    ("arla", &["are"]),
    ("arne", &["are"]),
    ("ermi", &["ere"]),
    ("ersi", &["ere"]),
    ("erci", &["ere"]),
    ("erlo", &["ere"]),
    ("erla", &["ere"]),
    ("erne", &["ere"]),
    ("irmi", &["ire"]),
    ("irsi", &["ire"]),
    ("irlo", &["ire"]),
];

/// Whether a word no list knows reads as an inflected Italian word: a superlative
/// ("Gravissimo", "Lunghissima"), a conjunction in "-ché" ("Benché", "Cosicché"), an old
/// acute spelling of a known word ("Cosí"), or a verb form whose infinitive is a common word
/// ("Scherzammo", "Versai", "Borbottò", "Concludendo"). No allocation: the infinitive is
/// built in a stack buffer.
fn italian_word_by_form(gazetteer: &Gazetteer, folded: &str) -> bool {
    if CONNECTIVES_IT_SET.contains(folded) || folded.ends_with("ché") || folded.ends_with("chè") {
        return true;
    }
    if folded.chars().count() >= 8 && ["issimo", "issima", "issimi", "issime"].iter().any(|e| folded.ends_with(e)) {
        return true;
    }
    let mut buf = [0u8; 64];
    let common = |stem: &str, ending: &str, buf: &mut [u8; 64]| {
        let n = stem.len() + ending.len();
        n <= buf.len() && {
            buf[..stem.len()].copy_from_slice(stem.as_bytes());
            buf[stem.len()..n].copy_from_slice(ending.as_bytes());
            std::str::from_utf8(&buf[..n]).is_ok_and(|w| gazetteer.classify(w).has(WordClass::COMMON_IT))
        }
    };
    // "Cosí", "Perció": the acute accent some old texts put on a final i, u, o.
    if let Some(last) = folded.chars().next_back()
        && let Some(grave) = match last {
            'í' => Some("ì"),
            'ú' => Some("ù"),
            'ó' => Some("ò"),
            _ => None,
        }
    {
        return common(&folded[..folded.len() - last.len_utf8()], grave, &mut buf);
    }
    for (ending, infinitives) in VERB_ENDINGS {
        let Some(stem) = folded.strip_suffix(ending) else {
            continue;
        };
        // "Amereste" is "amare": long endings leave short stems.
        if stem.chars().count() < if ending.len() >= 4 { 2 } else { 3 } {
            continue;
        }
        // "Scarichiamo": the h that keeps the sound hard goes in the infinitive ("scaricare").
        let soft = stem.strip_suffix('h').filter(|s| s.ends_with('c') || s.ends_with('g'));
        if infinitives.iter().any(|inf| common(stem, inf, &mut buf) || soft.is_some_and(|s| common(s, inf, &mut buf))) {
            return true;
        }
    }
    false
}

/// Articles and articulated prepositions that do not come before a person's name.
const ARTICLES: &[&str] = &[
    "il", "lo", "la", "i", "gli", "le", "del", "dello", "della", "dei", "degli", "delle", "al", "allo", "alla", "ai",
    "agli", "alle", "dal", "dallo", "dalla", "dai", "dagli", "dalle", "nel", "nello", "nella", "nei", "negli", "nelle",
    "sul", "sullo", "sulla", "sui", "sugli", "sulle", "col", "coi", "un", "uno", "una", "the",
];
static ARTICLES_SET: WordSet<128> = WordSet::new(ARTICLES);

/// Articles Italian puts before a surname alone: "la Schiavone" in sports and news, "il
/// Manzoni" in older and Tuscan writing. Articulated prepositions are left out: "del Cairo",
/// "della Persia", "dalla Brookings" are places and institutions far more often.
const SURNAME_ARTICLES: &[&str] = &["la", "il", "lo"];

/// Nouns that introduce a place name ("distretto di Bilaspur", "fiume Dyfi", "città di Daraa").
const PLACE_NOUNS: &[&str] = &[
    "città",
    "paese",
    "villaggio",
    "borgo",
    "comune",
    "frazione",
    "località",
    "provincia",
    "regione",
    "distretto",
    "quartiere",
    "zona",
    "contea",
    "stato",
    "isola",
    "isole",
    "fiume",
    "torrente",
    "lago",
    "monte",
    "monti",
    "valle",
    "punta",
    "capo",
    "golfo",
    "porto",
    "aeroporto",
    "stazione",
    "stazioni",
    "piazza",
    "via",
    "capitale",
    "cittadina",
    "paesino",
    "prefettura",
    "penisola",
    "municipalità",
    "dipartimento",
    "sobborgo",
    "periferia",
    "abitanti",
    "università",
    "ateneo",
    "ospedale",
    "cimitero",
    "tempio",
    "monastero",
    "convento",
    "santuario",
    "cattedrale",
    "basilica",
    "castello",
    "sito",
    "centrale",
    "collina",
    "colline",
    "cascina",
    "circuito",
    "carcere",
    "baia",
    "altopiano",
    "pianura",
    "deserto",
    "diocesi",
    "village",
    "town",
    "city",
    "river",
    "lake",
    "county",
    "district",
    "island",
];
static PLACE_NOUNS_SET: WordSet<256> = WordSet::new(PLACE_NOUNS);

/// Capitalised words that head the names of places ("Villa Corsini", "Porta Pia", "Monte
/// Bianco"): after "a" or "da" such a run is a place even when its words are also names.
const PLACE_HEADS: &[&str] = &[
    "villa", "palazzo", "porta", "torre", "castel", "castello", "borgo", "monte", "val", "valle", "piazza", "via",
    "viale", "corso", "ponte", "lago", "isola", "capo", "punta", "san", "santa", "santo", "marina", "lido", "poggio",
    "colle", "fonte", "bagni", "terme", "port", "fort", "mount", "lake", "saint", "st",
];
static PLACE_HEADS_SET: WordSet<128> = WordSet::new(PLACE_HEADS);

/// Whether one of [`PLACE_NOUNS`] comes right before `pos`, or two words before it with "di"
/// in between.
/// The noun may carry an elided article ("all'aeroporto di") and one adjective before "di"
/// ("lo stato indiano di", "la centrale nucleare di").
fn after_place_noun(scan: &Scan<'_>, pos: usize) -> bool {
    let i = scan.token_at(pos);
    // "dell'isola": the noun after an elided article.
    let word = |k: usize| {
        let w = &scan.folded[scan.tokens[k].start..scan.tokens[k].end];
        w.rsplit(['\'', '’']).next().unwrap_or(w)
    };
    let place_noun = |k: usize| PLACE_NOUNS_SET.contains(word(k));
    let adjective = |k: usize| adjective_by_ending(scan, k, word(k));
    (i >= 1 && place_noun(i - 1))
        || (i >= 2
            && matches!(word(i - 1), "di" | "of" | "del" | "della")
            && (place_noun(i - 2) || (i >= 3 && adjective(i - 2) && place_noun(i - 3))))
}

/// Nouns that introduce the name of an organisation, a medium, a product, an event or a
/// building, not of a person ("la società Cotral", "il settimanale Diva", "l'uragano Ike",
/// "lo stadio Olimpico"). Nouns that Italian also puts before eponyms people are named in
/// ("legge", "governo", "riforma", "premio", "nave") and works titled after their characters
/// ("il romanzo Margherita Pusterla") are left out.
const THING_NOUNS: &[&str] = &[
    "società",
    "azienda",
    "aziende",
    "compagnia",
    "ditta",
    "impresa",
    "gruppo",
    "holding",
    "marchio",
    "marca",
    "banca",
    "associazione",
    "agenzia",
    "quotidiano",
    "quotidiani",
    "giornale",
    "settimanale",
    "mensile",
    "rivista",
    "testata",
    "periodico",
    "emittente",
    "canale",
    "rete",
    "programma",
    "trasmissione",
    "sito",
    "portale",
    "piattaforma",
    "app",
    "applicazione",
    "software",
    "browser",
    "squadra",
    "club",
    "partito",
    "movimento",
    "sindacato",
    "coalizione",
    "supermercato",
    "supermercati",
    "catena",
    "negozio",
    "ristorante",
    "albergo",
    "hotel",
    "stadio",
    "ospedale",
    "clinica",
    "policlinico",
    "ateneo",
    "liceo",
    "museo",
    "teatro",
    "festival",
    "torneo",
    "campionato",
    "operazione",
    "uragano",
    "ciclone",
    "tifone",
    "tempesta",
    "vulcano",
    "satellite",
    "sonda",
    "razzo",
    "missile",
    "telescopio",
    "batterio",
    "virus",
    "vaccino",
    "farmaco",
    "treno",
    "volo",
    "autostrada",
    "scandalo",
    "inchiesta",
    "concorso",
    "prodotto",
    "modello",
    "scala",
    "hurricane",
    "storm",
    "brand",
    "magazine",
    "newspaper",
    "airline",
    "stadium",
    "airport",
    "software",
];
static THING_NOUNS_SET: WordSet<256> = WordSet::new(THING_NOUNS);

fn is_thing_noun(folded: &str) -> bool {
    THING_NOUNS_SET.contains(folded)
}

/// Endings of the relational and national adjectives that can sit between a thing noun and
/// its name ("la compagnia ferroviaria spagnola Renfe", "la testata tedesca Der Spiegel").
const ADJECTIVE_ENDINGS: &[&str] = &[
    "ese", "esi", "ano", "ana", "ani", "ane", "ale", "ali", "ico", "ica", "ici", "iche", "aria", "ario", "ari", "ense",
    "ensi", "ea", "eo", "ei", "ee", "sco", "sca", "schi", "sche", "are",
];

/// Whether `word` (token `k`, or its part after an elided article) reads as one of the
/// adjectives of [`ADJECTIVE_ENDINGS`]: written in lower case, five letters or more.
fn adjective_by_ending(scan: &Scan<'_>, k: usize, word: &str) -> bool {
    word.chars().count() >= 5
        && char_at(scan.text, scan.tokens[k].start).is_some_and(char::is_lowercase)
        && ADJECTIVE_ENDINGS.iter().any(|e| word.ends_with(e))
}

/// Whether one of [`THING_NOUNS`] comes right before `pos`, or before up to two adjectives.
fn after_thing_noun(scan: &Scan<'_>, pos: usize) -> bool {
    let i = scan.token_at(pos);
    let word = |k: usize| &scan.folded[scan.tokens[k].start..scan.tokens[k].end];
    let adjective = |k: usize| word(k).chars().all(char::is_lowercase) && adjective_by_ending(scan, k, word(k));
    let mut k = i;
    let mut next_start = pos;
    for _ in 0..3 {
        if k == 0 || !single_space(scan.text, scan.tokens[k - 1].end, next_start) {
            return false;
        }
        k -= 1;
        next_start = scan.tokens[k].start;
        // "dell'uragano": the noun after an elided article.
        let noun = word(k).rsplit(['\'', '’']).next().unwrap_or_default();
        if is_thing_noun(noun) && char_at(scan.text, scan.tokens[k].start).is_some_and(char::is_lowercase) {
            return true;
        }
        if !adjective(k) {
            return false;
        }
    }
    false
}

/// Last words of the names of places, organisations, events and prizes (English is the
/// language of such names in Italian text too: "Hyde Park", "Nordic Council", "Davis Cup").
const THING_SUFFIXES: &[&str] = &[
    "park",
    "street",
    "square",
    "road",
    "avenue",
    "lane",
    "bridge",
    "island",
    "islands",
    "river",
    "bay",
    "beach",
    "hill",
    "hills",
    "valley",
    "lake",
    "mountain",
    "mountains",
    "forest",
    "gardens",
    "station",
    "airport",
    "stadium",
    "arena",
    "ring",
    "circuit",
    "circus",
    "cup",
    "award",
    "awards",
    "trophy",
    "prize",
    "council",
    "committee",
    "society",
    "foundation",
    "institute",
    "university",
    "college",
    "school",
    "academy",
    "hospital",
    "clinic",
    "church",
    "cathedral",
    "abbey",
    "hall",
    "house",
    "tower",
    "centre",
    "center",
    "hotel",
    "club",
    "united",
    "city",
    "group",
    "corporation",
    "company",
    "bank",
    "press",
    "times",
    "news",
    "herald",
    "tribune",
    "airlines",
    "airways",
    "motors",
    "records",
    "studios",
    "pictures",
    "network",
    "media",
    "league",
    "party",
    "union",
    "association",
    "agency",
    "research",
    "services",
    "systems",
    "technologies",
    "labs",
    "day",
    "festival",
    "week",
];
static THING_SUFFIXES_SET: WordSet<256> = WordSet::new(THING_SUFFIXES);

/// Legal forms after a company's name ("Rossi S.p.A.", "Acme Ltd"), folded and without dots.
const CORPORATE_SUFFIXES: &[&str] = &[
    "spa", "srl", "srls", "sas", "snc", "sapa", "scarl", "inc", "ltd", "llc", "llp", "plc", "gmbh", "corp", "ag", "bv",
    "nv",
];
static CORPORATE_SUFFIXES_SET: WordSet<64> = WordSet::new(CORPORATE_SUFFIXES);

/// Whether a legal form, or in Italian text one of [`THING_SUFFIXES`] in lower case ("Gartner
/// research", "il Cinnamon hotel"), follows the word ending at `pos`.
fn followed_by_suffix(scan: &Scan<'_>, pos: usize, language: Language) -> bool {
    let i = scan.token_at(pos);
    let Some(&next) = scan.tokens.get(i).filter(|t| t.start >= pos) else {
        return false;
    };
    if !single_space(scan.text, pos, next.start) {
        return false;
    }
    let word = &scan.folded[next.start..next.end];
    legal_form_at(scan, next.start)
        || (language == Language::Italian
            && char_at(scan.text, next.start).is_some_and(char::is_lowercase)
            && THING_SUFFIXES_SET.contains(word))
}

/// Whether a legal form ("S.p.A.", "Srl", "Ltd.") starts at `pos`.
fn legal_form_at(scan: &Scan<'_>, pos: usize) -> bool {
    // "S.p.A." and "S.r.l." are tokens split at the dots: read the letters up to the next space.
    let rest = &scan.folded[pos..];
    let dotted_end = rest.find(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ')').unwrap_or(rest.len());
    let dotted = &rest[..dotted_end];
    let mut letters = [0u8; 8];
    let mut n = 0;
    for b in dotted.bytes().filter(|b| *b != b'.') {
        if n == letters.len() || !b.is_ascii_alphabetic() {
            n = 0;
            break;
        }
        letters[n] = b;
        n += 1;
    }
    n > 0 && std::str::from_utf8(&letters[..n]).is_ok_and(|w| CORPORATE_SUFFIXES_SET.contains(w))
}

/// Verbs of saying, dying and being born, whose subject after them is a person.
const HUMAN_VERBS: &[&str] = &[
    "disse",
    "dissero",
    "rispose",
    "risposero",
    "chiese",
    "domandò",
    "gridò",
    "esclamò",
    "aggiunse",
    "sussurrò",
    "mormorò",
    "replicò",
    "spiegò",
    "dichiarato",
    "dichiara",
    "afferma",
    "affermato",
    "precisa",
    "precisato",
    "sottolinea",
    "sottolineato",
    "commenta",
    "commentato",
    "spiega",
    "spiegato",
    "aggiunge",
    "aggiunto",
    "detto",
    "detta",
    "moriva",
    "morì",
    "nacque",
    "nasceva",
    "said",
    "says",
    "replied",
    "asked",
    "added",
    "explained",
    "died",
    "nicknamed",
];
static HUMAN_VERBS_SET: WordSet<128> = WordSet::new(HUMAN_VERBS);

/// Whether one of [`HUMAN_VERBS`] comes right before `pos`, or before "il", "la", "lo" there
/// ("disse il Valino", "rispose la Minetti": Italian speech tags put an article before a
/// surname or a nickname).
fn after_human_verb(scan: &Scan<'_>, pos: usize) -> bool {
    let i = scan.token_at(pos);
    let verb_at = |k: usize, next: usize| {
        let t = scan.tokens[k];
        single_space(scan.text, t.end, next)
            && HUMAN_VERBS_SET.contains(&scan.folded[t.start..t.end])
            && char_at(scan.text, t.start).is_some_and(char::is_lowercase)
    };
    if i == 0 {
        return false;
    }
    if verb_at(i - 1, pos) {
        return true;
    }
    let article = scan.tokens[i - 1];
    i >= 2
        && matches!(&scan.text[article.start..article.end], "il" | "la" | "lo")
        && single_space(scan.text, article.end, pos)
        && verb_at(i - 2, article.start)
}

/// Pronouns that are subjects before a verb and that some list has as names ("Essa", "Ella").
const SUBJECT_PRONOUNS: &[&str] = &[
    "egli", "ella", "esso", "essa", "essi", "esse", "lui", "lei", "loro", "costui", "costei", "colui", "colei", "tale",
    "ognuno", "ciascuno", "nessuno", "qualcuno", "chiunque", "altri",
];
static SUBJECT_PRONOUNS_SET: WordSet<64> = WordSet::new(SUBJECT_PRONOUNS);

/// Whether a word that a verb follows can be a name: four letters or more ("Non", "Ore" are
/// not), no pronoun, connective or brand.
fn could_be_subject_name(folded: &str) -> bool {
    folded.chars().count() >= 4
        && !SUBJECT_PRONOUNS_SET.contains(folded)
        && !CONNECTIVES_IT_SET.contains(folded)
        && !NOT_PEOPLE_SET.contains(folded)
}

/// Finite forms of auxiliaries and modals that follow a subject ("Piacentini ha chiesto",
/// "Padrino aveva", "Scalzone può tornare"). "è", "era", "fu" count before a participle only
/// ("è morto", "era stato"): before an adjective they follow anything ("Bello è").
const AUXILIARIES: &[&str] = &[
    "ha", "aveva", "avrebbe", "avrà", "ebbe", "può", "poteva", "potrà", "potrebbe", "deve", "doveva", "dovrà",
    "dovrebbe", "vuole", "voleva", "stava", "sta", "sarà", "sarebbe",
];
static AUXILIARIES_SET: WordSet<64> = WordSet::new(AUXILIARIES);

/// Unstressed object pronouns between a subject and its verb ("Cinto mi disse", "Valino gli
/// rispose"); "lo", "la", "si" are left out, being also articles and impersonal.
const VERB_CLITICS: &[&str] = &["mi", "ti", "gli", "ci", "vi"];

/// Whether the word ending at `pos` is followed by its verb: an auxiliary or a modal, "è",
/// "era", "fu" before a participle, or a clitic pronoun before a lower-case word, with an
/// optional "non" first.
fn subject_verb_after(scan: &Scan<'_>, pos: usize) -> bool {
    let mut i = scan.token_at(pos);
    let word = |k: usize| scan.tokens.get(k).map(|t| &scan.folded[t.start..t.end]);
    let lower =
        |k: usize| scan.tokens.get(k).is_some_and(|t| char_at(scan.text, t.start).is_some_and(char::is_lowercase));
    // Only a space between the word and the verb: "Rossi, ha detto" is another clause. The
    // token at `pos` can be the word's own, when `pos` ends a possessive's name ("Rossi'S"):
    // no gap then, and `single_space` says so.
    if scan.tokens.get(i).is_none_or(|t| !single_space(scan.text, pos, t.start)) {
        return false;
    }
    if word(i) == Some("non") {
        i += 1;
    }
    let Some(verb) = word(i) else {
        return false;
    };
    if !lower(i) {
        return false;
    }
    if AUXILIARIES_SET.contains(verb) {
        return true;
    }
    if matches!(verb, "è" | "era" | "fu") {
        return word(i + 1).is_some_and(|p| {
            p.chars().count() >= 4
                && ["ato", "ata", "uto", "uta", "ito", "ita", "to", "ta"].iter().any(|e| p.ends_with(e))
        }) && lower(i + 1);
    }
    VERB_CLITICS.contains(&verb) && lower(i + 1) && word(i + 1).is_some_and(|w| w.chars().all(char::is_alphabetic))
}

/// Role nouns that, after a name and a comma, say who the person is. Honorifics are left out:
/// after a comma they start the next person ("Anzi, la signorina Pasquinelli").
const ROLE_NOUNS: &[&str] = &[
    "direttore",
    "direttrice",
    "responsabile",
    "analista",
    "portavoce",
    "fondatore",
    "fondatrice",
    "amministratore",
    "amministratrice",
    "capo",
    "leader",
    "esponente",
    "giornalista",
    "scrittore",
    "scrittrice",
    "attore",
    "attrice",
    "cantante",
    "regista",
    "pugile",
    "calciatore",
    "calciatrice",
    "allenatore",
    "allenatrice",
    "economista",
    "deputato",
    "deputata",
    "consigliere",
    "consigliera",
    "assessore",
    "assessora",
    "patriarca",
    "marito",
    "moglie",
    "vedova",
    "vedovo",
    "figlio",
    "figlia",
    "madre",
    "fratello",
    "sorella",
    "cugino",
    "cugina",
    "nipote",
    "titolare",
    "fondatore",
    "autore",
    "autrice",
    "docente",
    "ricercatore",
    "ricercatrice",
    "medico",
    "avvocato",
    "tennista",
    "pilota",
    "campione",
    "campionessa",
    "imprenditore",
    "imprenditrice",
    "sacerdote",
    "parroco",
    "monaco",
    "director",
    "founder",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chairman",
    "chairwoman",
    "chief",
    "head",
    "author",
    "writer",
    "actor",
    "actress",
    "singer",
    "analyst",
    "husband",
    "wife",
    "widow",
    "mother",
    "daughter",
    "nurse",
    "hygienist",
    "dentist",
    "receptionist",
    "manager",
    "owner",
    "teacher",
    "presidente",
    "ministro",
    "ministra",
    "segretario",
    "segretaria",
    "sindaco",
    "sindaca",
    "governatore",
    "governatrice",
    "senatore",
    "senatrice",
    "generale",
    "cardinale",
    "vescovo",
    "giudice",
    "commissario",
    "premier",
    "professore",
    "professoressa",
    "ingegnere",
    "dottore",
    "dottoressa",
    "president",
    "governor",
    "senator",
    "judge",
    "captain",
    "coach",
    "professor",
    "doctor",
];
static ROLE_NOUNS_SET: WordSet<256> = WordSet::new(ROLE_NOUNS);

/// Words that can stand between the comma and the role ("già", "ex", "il nostro", "our new").
const APPOSITION_FILLERS: &[&str] = &[
    "già", "ex", "il", "lo", "la", "l'", "un", "uno", "una", "nostro", "nostra", "nuovo", "nuova", "attuale", "our",
    "the", "a", "an", "new", "former",
];
static APPOSITION_FILLERS_SET: WordSet<64> = WordSet::new(APPOSITION_FILLERS);

/// Whether an apposition after a comma at `pos` gives a role or an age: ", già direttore",
/// ", 26 anni", ", our new nurse".
fn role_apposition_after(scan: &Scan<'_>, pos: usize) -> bool {
    if !scan.text[pos..].starts_with(", ") {
        return false;
    }
    let first = scan.token_at(pos + 2);
    for i in first..first + 3 {
        let Some(&t) = scan.tokens.get(i) else {
            return false;
        };
        let word = &scan.folded[t.start..t.end];
        if ROLE_NOUNS_SET.contains(word) {
            return true;
        }
        if word.bytes().all(|b| b.is_ascii_digit()) && word.len() <= 3 {
            let next = scan.tokens.get(i + 1).map(|n| &scan.folded[n.start..n.end]);
            return matches!(next, Some("anni" | "anno" | "years" | "year" | "mesi" | "months"));
        }
        if !APPOSITION_FILLERS_SET.contains(word.trim_end_matches('\'')) && !word.starts_with("l'") {
            return false;
        }
        // "l'attuale": a filler elided onto the next word is one token.
        if let Some(noun) = word.strip_prefix("l'")
            && ROLE_NOUNS_SET.contains(noun)
        {
            return true;
        }
    }
    false
}

/// Prepositions that join a role to what it is the role of ("il ministro del Lavoro").
const ROLE_PREPOSITIONS: &[&str] =
    &["di", "del", "della", "dello", "dei", "degli", "delle", "dell", "all", "alla", "al", "allo", "ai", "agli", "of"];
static ROLE_PREPOSITIONS_SET: WordSet<32> = WordSet::new(ROLE_PREPOSITIONS);

/// Whether a role noun and its complement come before the run at `pos`: a role, a preposition,
/// and at most two lower-case words ("il ministro del", "il commissario di polizia di",
/// "l'amministratore delegato di", "gli assessori all'"). The preposition may be elided onto
/// the run's first word ("dell'Istruzione"). A bounded walk back over the tokens. `Some(true)`
/// when lower-case words of the complement stand between the preposition and the run.
fn role_complement_before(scan: &Scan<'_>, pos: usize) -> Option<bool> {
    let mut i = scan.token_at(pos);
    let mut preposition = false;
    let mut next_start = pos;
    if let Some(t) = scan.tokens.get(i).filter(|t| t.start < pos) {
        let prefix = scan.folded[t.start..pos].trim_end_matches(['\'', '’']);
        if !ROLE_PREPOSITIONS_SET.contains(prefix) {
            return None;
        }
        preposition = true;
        next_start = t.start;
    }
    let mut lower = 0;
    let mut between = false;
    for _ in 0..5 {
        if i == 0 {
            return None;
        }
        i -= 1;
        let t = scan.tokens[i];
        if !single_space(scan.text, t.end, next_start) && next_start != t.end {
            return None;
        }
        next_start = t.start;
        let folded = &scan.folded[t.start..t.end];
        // "l'amministratore", "dell'ex": the word after an elided article.
        let word = folded.rsplit(['\'', '’']).next().unwrap_or(folded);
        if ROLE_NOUNS_SET.contains(word) || ROLE_TITLES.contains(&word) {
            return preposition.then_some(between);
        }
        if ROLE_PREPOSITIONS_SET.contains(word) {
            preposition = true;
            continue;
        }
        if !preposition {
            // "zona" in "di zona", "polizia" in "di polizia di": words of the complement.
            between = true;
        }
        if lower < 2
            && char_at(scan.text, t.start).is_some_and(char::is_lowercase)
            && word.chars().all(char::is_alphabetic)
        {
            lower += 1;
            continue;
        }
        return None;
    }
    None
}

/// Head nouns of organisations' names: the word after them is the name ("Fondazione Cariplo").
const ORG_HEADS: &[&str] = &["fondazione", "istituto", "radio", "ente", "consorzio", "cooperativa", "federazione"];

/// Titles that also name a role with a complement ("il ministro degli Esteri", "il segretario
/// di Stato"), beside [`ROLE_NOUNS`].
const ROLE_TITLES: &[&str] =
    &["funzionario", "funzionaria", "inviato", "inviata", "delegato", "delegata", "minister", "mayor"];

fn after_word(scan: &Scan<'_>, pos: usize, word: &str) -> bool {
    let i = scan.token_at(pos);
    i > 0 && {
        let prev = scan.tokens[i - 1];
        single_space(scan.text, prev.end, pos) && &scan.folded[prev.start..prev.end] == word
    }
}

/// Elided articles and articulated prepositions before a word ("l'Egitto", "dell'Agence").
const ELIDED_ARTICLES: &[&str] = &["l", "dell", "all", "nell", "sull", "dall", "coll", "un"];

/// Whether an article (or an articulated preposition) comes right before `pos`: lower-case,
/// elided onto the word, or capitalised at the start of an Italian sentence ("La Prussia").
fn article_before(scan: &Scan<'_>, pos: usize, language: Language) -> bool {
    let i = scan.token_at(pos);
    if let Some(apostrophe) = char_before(scan.text, pos).filter(|c| matches!(c, '\'' | '’')) {
        let Some(token) = scan.tokens.get(i).filter(|t| t.start < pos) else {
            return false;
        };
        let prefix_end = pos - apostrophe.len_utf8();
        return ELIDED_ARTICLES.contains(&&scan.folded[token.start..prefix_end]);
    }
    i > 0 && {
        let prev = scan.tokens[i - 1];
        let folded = &scan.folded[prev.start..prev.end];
        single_space(scan.text, prev.end, pos)
            && ARTICLES_SET.contains(folded)
            && (!char_at(scan.text, prev.start).is_some_and(char::is_uppercase)
                || (language == Language::Italian && folded != "i" && is_sentence_initial(scan.text, prev.start)))
    }
}

/// Whether the word at `span` is one of [`TITLES`], with the dot after it ("sig.", "dott.")
/// or without.
fn is_title_at(scan: &Scan<'_>, span: ByteSpan) -> bool {
    (scan.text[span.end..].starts_with('.') && TITLE_SET.contains(&scan.folded[span.start..span.end + 1]))
        || TITLE_SET.contains(&scan.folded[span.start..span.end])
}

/// Whether `class` is a common word in `language` (or in the other language and no name).
fn is_common(class: WordClass, language: Language) -> bool {
    let (own, other) = match language {
        Language::Italian => (WordClass::COMMON_IT, WordClass::COMMON_EN),
        Language::English => (WordClass::COMMON_EN, WordClass::COMMON_IT),
    };
    class.has(own) || (class.has(other) && !class.is_name())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Capitalised,
    AllCaps,
    Other,
}

fn shape(word: &str) -> Shape {
    // "I'm", "It's", "C'è", "L'ho", "D'altronde": a lower-case letter after the apostrophe is
    // a contraction or an elided common word ("D'Angelo", "O'Connor" continue in capitals).
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return Shape::Other;
    };
    // Checked before the apostrophe: either way the answer would be `Other`.
    if !first.is_uppercase() {
        return Shape::Other;
    }
    if let Some(pos) = find_apostrophe(word) {
        let after = &word[pos..];
        let mut rest = after.chars().skip(1);
        if rest.next().is_some_and(char::is_lowercase) {
            return Shape::Other;
        }
    }
    let mut letters = 1;
    let mut lower = 0;
    let mut lower_run = 0;
    for c in chars {
        if c.is_alphabetic() {
            letters += 1;
            if c.is_lowercase() {
                lower += 1;
                lower_run += 1;
            } else {
                // "SpaceX", "YouTube", "IgG", "QTc" are brands and abbreviations; "McDonald",
                // "DiCaprio", "MacArthur", "LeBron" are names.
                if lower_run > 0 && !NAME_PREFIXES.contains(&&word[..word.len().min(prefix_len(word, c))]) {
                    return Shape::Other;
                }
                lower_run = 0;
            }
        } else if c.is_ascii_digit() {
            return Shape::Other;
        } else {
            lower_run = 0;
        }
    }
    if lower > 0 {
        Shape::Capitalised
    } else if letters >= 2 {
        Shape::AllCaps
    } else {
        Shape::Other
    }
}

/// An ALL-CAPS word is a name only when a list knows it and it is no acronym: a given name
/// of three letters or more, or a surname of four or more ("MARIO ROSSI"; not "NI", "AB", "NHS").
fn all_caps_name(folded: &str, class: WordClass) -> bool {
    let letters = folded.chars().count();
    !NOT_PEOPLE_SET.contains(folded)
        && ((class.has(WordClass::GIVEN) && letters >= 3)
            || (class.has(WordClass::SURNAME)
                && letters >= 4
                && !class.has(WordClass::COMMON_IT)
                && !class.has(WordClass::COMMON_EN)))
}

/// Prefixes after which a capital inside a name is normal.
const NAME_PREFIXES: &[&str] = &["Mc", "Mac", "De", "Di", "Da", "Le", "La", "Van", "Von", "Du", "Fitz", "O"];

/// The byte length of `word` before the first occurrence of the inner capital `c`.
fn prefix_len(word: &str, c: char) -> usize {
    word.char_indices().skip(1).find(|&(_, x)| x == c).map_or(word.len(), |(i, _)| i)
}

/// Italian clitic pronouns that attach to verbs.
const CLITICS: &[&str] = &[
    "glielo", "gliela", "glieli", "gliele", "gliene", "mi", "ti", "ci", "vi", "si", "lo", "la", "le", "li", "ne",
    "gli", "melo", "mela", "telo", "tela", "celo", "cela", "sene",
];

/// Endings of Italian clinical and scientific words (and drugs) that no name has:
/// "Procalcitonina", "Polineuropatia", "Ramipril", "Rituximab".
const NOT_NAME_ENDINGS: &[&str] = &[
    "ite", "osi", "oma", "omi", "emia", "patia", "grafia", "gramma", "scopia", "ectomia", "tomia", "micina", "mab",
    "nib", "pril", "sartan", "azolo", "ismo", "asi", "uria", "algia", "cocco", "terapia", "logia", "genesi", "plasia",
    "trofia", "ectasia", "ossina", "olone", "idina",
];

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// The part of a token that can be a name: after an elided article ("dell'Atalanta" →
/// "Atalanta"), without a possessive ("Emma's" → "Emma").
fn name_core(text: &str, token: ByteSpan) -> ByteSpan {
    let word = &text[token.start..token.end];
    let mut start = token.start;
    if let Some(pos) = find_apostrophe(word) {
        let prefix = &word[..pos];
        // "dell'Atalanta", "L'Italia"; but "D'Angelo" and "O'Connor" are surnames.
        let surname_prefix = matches!(prefix, "D" | "O");
        if !surname_prefix && ELISIONS.iter().any(|e| e.eq_ignore_ascii_case(prefix)) {
            let apostrophe_len = word[pos..].chars().next().map_or(1, char::len_utf8);
            start = token.start + pos + apostrophe_len;
        }
    }
    let stripped = possessive_stripped(text, ByteSpan::new(start, token.end));
    if stripped.start >= stripped.end { ByteSpan::new(start, start) } else { stripped }
}

/// `span` without a possessive "'s", "’s", "'S" or "’S" when at least two characters remain.
/// Read from the last bytes: this runs once per token.
fn possessive_stripped(text: &str, span: ByteSpan) -> ByteSpan {
    let word = &text.as_bytes()[span.start..span.end];
    let rest = match word {
        [.., b'\'', b's' | b'S'] => word.len() - 2,
        [.., 0xE2, 0x80, 0x99, b's' | b'S'] => word.len() - 4,
        _ => return span,
    };
    // Before an ASCII apostrophe or the first byte of "’" is a character boundary.
    if text[span.start..span.start + rest].chars().nth(1).is_some() {
        ByteSpan::new(span.start, span.start + rest)
    } else {
        span
    }
}

/// Whether `token` is a plain lower-case word, one token at a time: the definition
/// [`PlainWords`] answers by, for its tests.
#[cfg(test)]
pub(crate) fn is_plain_lower_case_word(text: &str, token: ByteSpan) -> bool {
    let first = text.as_bytes()[token.start];
    first.is_ascii() && !first.is_ascii_uppercase() && find_apostrophe(&text[token.start..token.end]).is_none()
}

/// Which tokens of a text are plain lower-case words: words that start with an ASCII byte
/// other than a capital and have no apostrophe, most tokens of a post. With no apostrophe (no
/// elided article before a name, no possessive) the word starts with that byte, so it is
/// neither an initial nor a capitalised or ALL-CAPS word, and starts no name or place; decided
/// without decoding it.
///
/// Tokens are asked about in text order, with no pass over each token's bytes: the text is
/// searched (by `memchr`) for its next apostrophe only once the previous one is passed, and a
/// token has one when that apostrophe lies inside it. Why: the person and location recognisers
/// ask about every token of a post, and a loop over each token's bytes was 3 % of CheckPost.
pub(crate) struct PlainWords<'t> {
    text: &'t str,
    /// The first apostrophe (' or the first byte of ’) at or after `from`, or the text's length
    /// when there is none.
    next_apostrophe: usize,
    /// Where the last search started: at or before the start of every token asked about since.
    from: usize,
}

impl<'t> PlainWords<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self { text, next_apostrophe: next_apostrophe(text, 0), from: 0 }
    }

    /// Whether `token` is a plain lower-case word. Tokens must be asked about in order of
    /// their start.
    #[inline]
    pub(crate) fn is_plain(&mut self, token: ByteSpan) -> bool {
        debug_assert!(token.start >= self.from, "tokens asked about out of order");
        let first = self.text.as_bytes()[token.start];
        if !first.is_ascii() || first.is_ascii_uppercase() {
            return false;
        }
        // No apostrophe between `from` and `next_apostrophe`, and `from <= token.start`: the
        // first one at or after the token's start is `next_apostrophe` if that is not before it.
        if self.next_apostrophe < token.start {
            self.from = token.start;
            self.next_apostrophe = next_apostrophe(self.text, token.start);
        }
        self.next_apostrophe >= token.end
    }
}

/// The byte offset of the first apostrophe (' or ’) at or after `from`, or the text's length.
fn next_apostrophe(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(i) = memchr::memchr2(b'\'', 0xE2, &bytes[at..]) {
        let pos = at + i;
        if bytes[pos] == b'\'' || bytes[pos + 1..].starts_with(&[0x80, 0x99]) {
            return pos;
        }
        at = pos + 1;
    }
    bytes.len()
}

/// The byte offset of the first apostrophe (' or ’) in `word`, as `word.find(['\'', '’'])`
/// gives it, without decoding characters.
pub(crate) fn find_apostrophe(word: &str) -> Option<usize> {
    // A plain loop: words are short, memchr's set-up costs more than it saves.
    let bytes = word.as_bytes();
    (0..bytes.len()).find(|&at| bytes[at] == b'\'' || (bytes[at] == 0xE2 && bytes[at + 1..].starts_with(&[0x80, 0x99])))
}

/// A single capital letter followed by a dot: "W." in "George W. Bush".
fn is_initial(text: &str, token: ByteSpan) -> bool {
    // A dot first: it rules out nearly every token without decoding it.
    if text.as_bytes().get(token.end) != Some(&b'.') || token.len() > 4 {
        return false;
    }
    let word = &text[token.start..token.end];
    let mut chars = word.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_uppercase())
}

fn is_regnal_number(word: &str, language: Language) -> bool {
    if word == "I" {
        return language == Language::Italian;
    }
    (2..=5).contains(&word.len()) && word.bytes().all(|b| matches!(b, b'I' | b'V' | b'X' | b'L'))
}

/// Whether a word at `pos` starts a sentence: nothing before it but opening punctuation,
/// or a full stop, question or exclamation mark, colon or line break.
pub(crate) fn is_sentence_initial(text: &str, pos: usize) -> bool {
    for c in text[..pos].chars().rev() {
        if c.is_whitespace() && c != '\n' {
            continue;
        }
        return match c {
            '\n' | '.' | '!' | '?' | '…' | ':' | ';' => true,
            '"' | '“' | '”' | '«' | '»' | '(' | '[' | '\'' | '‘' | '-' | '–' | '—' | '•' | '*' => {
                continue;
            }
            c if is_word_char(c) || c == ',' => false,
            // Emoji and other symbols usually open a line in a post.
            _ => true,
        };
    }
    true
}

/// Whether a title hit ends right before `pos` (spaces only in between).
fn has_title_before(scan: &Scan<'_>, titles: &[LexiconHit], pos: usize) -> bool {
    titles.iter().any(|hit| {
        hit.span.end <= pos
            && {
                let gap = &scan.text[hit.span.end..pos];
                gap.len() <= 2 && gap.chars().all(|c| c == ' ' || c == '\u{a0}' || c == '.')
            }
            && !is_lowercase_word_title(scan, hit.span)
    })
}

/// "re", "papa", "don" and "fra" are also ordinary lower-case words in Italian ("re" = king is
/// fine, but "fra" = between, "don" rarely): count those only when capitalised.
fn is_lowercase_word_title(scan: &Scan<'_>, span: ByteSpan) -> bool {
    let word = &scan.text[span.start..span.end];
    matches!(
        &scan.folded[span.start..span.end],
        "fra"
            | "don"
            | "lady"
            | "father"
            | "sister"
            | "brother"
            | "nan"
            | "coach"
            | "mister"
            | "maestro"
            | "maestra"
            | "miss"
    ) && word.chars().next().is_some_and(char::is_lowercase)
}

fn is_isolated_initials(text: &str, start: usize, end: usize) -> bool {
    !char_before(text, start).is_some_and(|c| is_word_char(c) || c == '.')
        && !char_at(text, end).is_some_and(|c| is_word_char(c) && c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::recognisers::test_support::{found, found_in};

    fn people(text: &str) -> Vec<String> {
        found(|b| Box::new(PersonRecogniser::new(b)), text)
    }

    const NONE: [&str; 0] = [];

    fn persone(text: &str) -> Vec<String> {
        found_in(Language::Italian, |b| Box::new(PersonRecogniser::new(b)), text)
    }

    #[test]
    fn names_after_titles_in_both_languages() {
        assert_eq!(persone("La sig.ra Lucia Fontana ha iniziato"), ["Lucia Fontana"]);
        assert_eq!(people("Placed two implants for Mr. David Clarke this morning"), ["David Clarke"]);
        assert_eq!(
            persone("il dott. Gianni De Luca e la dott.ssa Chiara D'Angelo"),
            ["Gianni De Luca", "Chiara D'Angelo"]
        );
        assert_eq!(people("Mrs O'Connor called"), ["O'Connor"]);
        assert_eq!(persone("la signora Zoë Müller 😀"), ["Zoë Müller"]);
        assert_eq!(people("Thank you to my mentor Professor Helen Ward for all the support."), ["Helen Ward"]);
    }

    #[test]
    fn names_from_lexicons_capitalisation_and_position() {
        assert_eq!(persone("Stamattina ho visto Roberto Galli in studio."), ["Roberto Galli"]);
        assert_eq!(persone("Il sorriso di Martina prima e dopo"), ["Martina"]);
        assert_eq!(people("Reminder for Olivia Bennett: your fitting is on Monday."), ["Olivia Bennett"]);
        // Sentence-initial common words and capitalised phrases are not names.
        assert!(
            people("Weekend hike in the Peak District with the family. Recharged and ready for Monday!").is_empty()
        );
        assert!(persone("Felice di annunciare che lavorerò presso lo Studio Associato Valli a Brescia.").is_empty());
        assert!(persone("Indovinate chi è venuto oggi? Grazie di tutto.").is_empty());
        // Function words that are also names somewhere ("Nello", "Siete") open sentences.
        assert!(persone("Siete pronti per la nuova stagione? Prenotate un controllo.").is_empty());
        assert!(persone("Nello studio di via Roma abbiamo un nuovo laser.").is_empty());
        assert!(persone("Talvolta la carie non fa male.").is_empty());
        assert_eq!(persone("Ringraziamo Nello Santi per la visita."), ["Nello Santi"]);
    }

    #[test]
    fn greetings_and_context_cues() {
        assert_eq!(persone("Ciao Francesca, ci vediamo giovedì"), ["Francesca"]);
        assert_eq!(people("Hi Sarah, your results are ready"), ["Sarah"]);
        assert_eq!(people("Hey Lily, saw your x-rays"), ["Lily"]);
        assert_eq!(persone("Auguri a Stefano Moretti per i suoi 70 anni!"), ["Stefano Moretti"]);
        assert_eq!(persone("Grazie a Giulia per la torta"), ["Giulia"]);
        // "a", "da", "to", "from" introduce people too: a given name and a known surname after
        // them are a person even when both are also villages somewhere.
        assert_eq!(persone("Grazie a Marco Rossi per la pazienza"), ["Marco Rossi"]);
        assert_eq!(people("A lovely card from Laura Wood today"), ["Laura Wood"]);
        assert_eq!(persone("Siamo stati in Val Camonica"), NONE);
    }

    #[test]
    fn possessives_particles_apostrophes_accents_and_caps() {
        assert_eq!(people("Look at Emma's amazing smile"), ["Emma"]);
        assert_eq!(people("the card of James O'Connor was left"), ["James O'Connor"]);
        assert_eq!(
            persone("Ieri Maria de Filippi e Niccolò Lo Russo sono passati"),
            ["Maria de Filippi", "Niccolò Lo Russo"]
        );
        assert_eq!(persone("OGGI MARIO ROSSI HA FATTO L'IMPIANTO"), ["MARIO ROSSI"]);
        assert_eq!(people("George W. Bush met Benedict XVI"), ["George W. Bush", "Benedict XVI"]);
    }

    #[test]
    fn a_possessive_s_in_capitals_before_a_verb_or_the_end() {
        // Found by the anonymise fuzz target: the name ends inside its token ("Rossi" of
        // "Rossi'S"), so the token after the name was the name's own, and the gap to it a
        // reversed range.
        for text in ["Rossi'S", "Rossi'S ha detto", "Rossi’S è stato", "Ieri Mario Rossi'S"] {
            let _ = (people(text), persone(text));
        }
        assert_eq!(persone("Ieri Mario Rossi'S ha chiamato"), ["Mario Rossi"]);
    }

    #[test]
    fn the_same_name_again_is_a_name() {
        let found = persone("Ha parlato Silvio Berlusconi. Berlusconi ha poi lasciato la sala.");
        assert_eq!(found, ["Silvio Berlusconi", "Berlusconi"]);
    }

    #[test]
    fn numbers_timestamps_acronyms_and_brands_are_not_people() {
        assert!(people("Call 07700 900456 at 10:30 on 14 May, NHS no. 401 023 2137").is_empty());
        assert!(people("I passed my MJDF exam and the NHS is great").is_empty());
        assert!(people("Lost property: the card with NI number AB 12 34 56 C.").is_empty());
        assert!(persone("CF FNTLCU64E52L378C, IBAN IT60X0542811101000000123456, IVA inclusa.").is_empty());
        assert!(people("Why are they late? Brush your teeth, it's not rocket science.").is_empty());
        assert!(persone("Cinque consigli per un alito fresco.").is_empty());
        assert!(people("Look at her amazing smile after her Invisalign treatment!").is_empty());
        assert!(persone("Il Governo e la Camera dei Deputati hanno votato in Parlamento.").is_empty());
        assert!(persone("La Democrazia Cristiana vinse le elezioni.").is_empty());
    }

    #[test]
    fn an_article_before_a_full_name_makes_it_a_thing() {
        // Italian puts no article before a person's full name: these name things.
        assert_eq!(persone("La partita si gioca allo Stadio, anzi al Carlo Zecchini di Arezzo."), NONE);
        assert_eq!(persone("Abbiamo seguito il corso della Luisa Spagnoli Academy a Perugia."), NONE);
        assert_eq!(persone("Il premio è andato al Nordic Dental Council."), NONE);
        // A clear given name after the thing starts the person.
        assert_eq!(persone("Ha parlato il presidente della Coldiretti Roberto Mancuso."), ["Roberto Mancuso"]);
        // Capitalised at the start of a sentence, the article still counts.
        assert_eq!(persone("La Cordovia firmò il trattato nel 1866."), NONE);
        assert_eq!(persone("La dottoressa Paola Neri ci ha scritto."), ["Paola Neri"]);
        assert_eq!(people("We ran along the Charles Riverbank trail."), NONE);
    }

    #[test]
    fn a_thing_noun_before_a_capitalised_word_names_a_thing() {
        assert_eq!(persone("Lo sciopero dei piloti della compagnia aerea Volarina ha bloccato Fiumicino."), NONE);
        assert_eq!(persone("Ne ha parlato il settimanale Dentalia, e poi la testata tedesca Zahnblatt."), NONE);
        assert_eq!(persone("I danni dell'uragano Ike sono ingenti."), NONE);
        assert_eq!(people("The damage from hurricane Ike was huge, the magazine Smilez reports."), NONE);
        // A comma in between: the name is a person again.
        assert_eq!(
            persone("Lo dice il direttore della clinica odontoiatrica, Reinhard Krepler."),
            ["Reinhard Krepler"]
        );
        // Works named after their characters are not things that hide a name.
        assert_eq!(persone("Ha scritto il romanzo Margherita Pusterla."), ["Margherita Pusterla"]);
    }

    #[test]
    fn words_that_end_names_of_things_and_legal_forms() {
        assert_eq!(persone("Corriamo la maratona da Cofton Park a Downing Street."), NONE);
        assert_eq!(persone("Ha vinto il Tony Award e la Davis Cup."), NONE);
        assert_eq!(persone("I dati di Grentner research sono chiari."), NONE);
        assert_eq!(persone("Forniture da Marzotti S.p.A. e da Bellandi Srl."), NONE);
        assert_eq!(people("Supplies from Hartwell Ltd and Brackley Inc. arrived."), NONE);
        // In English text a surname among those words is still a surname.
        assert_eq!(people("Thanks to Stuart Hall for the flowers."), ["Stuart Hall"]);
        assert_eq!(persone("Grazie a Marco Rossi per la visita."), ["Marco Rossi"]);
    }

    #[test]
    fn lists_of_places_and_of_unknown_words_are_not_people() {
        // A word listed with a town is a town.
        assert_eq!(persone("Abbiamo studi a Bergamo, Treviolo, Vicenza e Brendola."), NONE);
        assert_eq!(persone("Le sedi sono Milano, Zelarino e Grumello."), NONE);
        // Three listed words no list knows as names are things.
        assert_eq!(persone("Le centrali sono Cattrino, Civeaux, Gravelande e Pentry."), NONE);
        assert_eq!(people("The plants are Cattrino, Civeaux and Pentry."), NONE);
        // Names in a list stay names.
        assert_eq!(persone("Hanno parlato Bruno, Piergabriele e Luciano."), ["Bruno", "Piergabriele", "Luciano"]);
        assert_eq!(people("Thanks to Sarah, Tom and Olivia!"), ["Sarah", "Tom", "Olivia"]);
    }

    #[test]
    fn runs_headed_by_san_villa_monte_name_places() {
        assert_eq!(persone("La scuola di San Giuliano e l'ospedale di S. Michele sono chiusi."), NONE);
        assert_eq!(persone("Siamo andati da Villa Glori a Monte Suello e poi a Marina di Ostia."), NONE);
        assert_eq!(people("We moved from St. Petersburg to Port Talbot."), NONE);
        // A title still makes a person; a surname alone is still a surname.
        assert_eq!(persone("Ringraziamo il dott. Santo Villa."), ["Santo Villa"]);
        assert_eq!(persone("Ha cantato Claudio Villa."), ["Claudio Villa"]);
    }

    #[test]
    fn decomposed_accents_are_read_like_composed_ones() {
        // "Perché" and "Niccolò" with combining accents (U+0301, U+0300), as in some e-books.
        assert_eq!(persone("Perche\u{301} non venite a trovarci?"), NONE);
        assert_eq!(people("Why? Perche\u{301} we care."), NONE);
        assert_eq!(persone("Oggi Niccolo\u{300} Rossi ha fatto il controllo."), ["Niccolo\u{300} Rossi"]);
    }

    #[test]
    fn de_di_del_opening_a_sentence_start_a_surname() {
        assert_eq!(persone("De Santis ha aperto lo studio."), ["De Santis"]);
        assert_eq!(persone("Di Brizio ci ha scritto ieri."), ["Di Brizio"]);
        // Before a place or a common word they are prepositions.
        assert_eq!(persone("Di Milano si parla molto."), NONE);
        assert_eq!(people("De Santis called this morning."), ["De Santis"]);
    }

    #[test]
    fn verbs_of_saying_and_dying_vouch_for_a_name() {
        // "Cinto" and "Padrino" are also common words; after "disse" they are people.
        assert_eq!(persone("- Vieni qui, - disse Cinto."), ["Cinto"]);
        assert_eq!(persone("- Domani si chiude, - disse il Bortolo."), ["Bortolo"]);
        assert_eq!(persone("Nel 1901 moriva Verdi, e l'Italia pianse."), ["Verdi"]);
        assert_eq!(people("\"Open wide,\" said Pip."), ["Pip"]);
        // Opening a sentence the verb is not before the name.
        assert_eq!(persone("Disse che sarebbe venuto."), NONE);
    }

    #[test]
    fn an_apposition_with_a_role_or_an_age_vouches_for_a_name() {
        // "Mancino" and "Caprio" are also common words; the apposition says they are people.
        assert_eq!(persone("Ha parlato Mancino, già presidente del Senato."), ["Mancino"]);
        assert_eq!(persone("Ricoverata Amarilli Caprio, 26 anni."), ["Amarilli Caprio"]);
        assert_eq!(persone("Ha parlato Serge Lemoine, responsabile del museo."), ["Serge Lemoine"]);
        assert_eq!(people("Meet Tom Hale, our new nurse."), ["Tom Hale"]);
        // An honorific after the comma starts the next person, not an apposition.
        assert_eq!(persone("Anzi, la signorina Pasquinelli ha telefonato."), ["Pasquinelli"]);
        // A sentence opener still goes, and so does a lone common word opening a case report.
        assert_eq!(persone("Secondo Martial Jorel, direttore della centrale, è tutto a posto."), ["Martial Jorel"]);
        assert_eq!(persone("Donna, 45 anni, giunge in pronto soccorso."), NONE);
        assert_eq!(people("Woman, 45 years old, presented with pain."), NONE);
    }

    #[test]
    fn a_place_noun_and_di_name_a_place() {
        assert_eq!(persone("Le prime code all'aeroporto di Capodarco."), NONE);
        assert_eq!(persone("Alcuni abitanti di Machyneth hanno visto la scena."), NONE);
        assert_eq!(persone("La centrale nucleare di Tokaimuro è chiusa."), NONE);
        assert_eq!(people("The people of the town of Machyneth saw it."), NONE);
        // A given name and a surname after "di" are the owner.
        assert_eq!(persone("Sono usciti documenti sul sito di Julian Assange."), ["Julian Assange"]);
    }

    #[test]
    fn places_are_not_people() {
        assert!(persone("Il ragazzo gioca nella squadra di basket di Treviglio").is_empty());
        assert!(people("a lady from Bakewell in the United Kingdom").is_empty());
    }

    #[test]
    fn a_role_and_its_complement_vouch_for_the_name_after_them() {
        assert_eq!(persone("Ha parlato il ministro della Salute Marta Ferrandi."), ["Marta Ferrandi"]);
        assert_eq!(
            persone("Ieri il presidente della Regione Lombardia Carlo Venturi ha visitato la clinica."),
            ["Carlo Venturi"]
        );
        assert_eq!(persone("Il ministro del Lavoro Pellegatti ha firmato."), ["Pellegatti"]);
        assert_eq!(persone("E poi l'assessore al Bilancio Ferrandi ha firmato."), ["Ferrandi"]);
        assert_eq!(persone("Lo ha detto il responsabile di zona Paolo Brambati."), ["Paolo Brambati"]);
        assert_eq!(people("Yesterday the Minister of Health Sarah Collins visited."), ["Sarah Collins"]);
        assert_eq!(people("The mayor of Bristol James Holden opened the clinic."), ["James Holden"]);
        // The complement alone is no person; an organisation's name follows its head noun.
        assert_eq!(persone("Ieri il direttore della Fondazione Cariplo ha parlato."), NONE);
        assert_eq!(persone("Lo ha detto il presidente della Croce Rossa."), NONE);
        assert_eq!(persone("Un responsabile del Robert Koch-Institut ha risposto."), NONE);
        // Right after the preposition, known names are the person the role belongs to.
        assert_eq!(persone("Ha scritto la figlia di Mario Bianchi."), ["Mario Bianchi"]);
    }

    #[test]
    fn il_or_la_before_a_known_surname_is_the_person() {
        assert_eq!(persone("Ieri il Bertolini ha chiamato lo studio."), ["Bertolini"]);
        assert_eq!(persone("Alla fine la Schiavone ha vinto il set."), ["Schiavone"]);
        // Articulated prepositions before a single word name places and institutions.
        assert_eq!(persone("Le partite saranno trasmesse dalla Rai."), NONE);
        assert_eq!(persone("Il ruolo della Persia era centrale."), NONE);
        assert_eq!(persone("Siamo andati alla Juventus."), NONE);
    }

    #[test]
    fn a_common_word_listed_with_people_or_followed_by_its_verb_is_a_name() {
        // Capitalised inside a sentence without an article, a common word is a proper noun.
        assert_eq!(persone("Sono intervenuti Bertolazzi e Pastore."), ["Bertolazzi", "Pastore"]);
        assert_eq!(persone("Quando Pastore ha chiamato, eravamo chiusi."), ["Pastore"]);
        assert_eq!(persone("Adesso Cinto mi veniva dietro."), ["Cinto"]);
        assert_eq!(persone("Lo studio ha detto che Ricotta è stato dimesso ieri."), ["Ricotta"]);
        // A comma after a name opens an apposition; articles, pronouns and capitalised
        // institutions are not subjects of this kind.
        assert_eq!(persone("Il generale Preziosa, Capo di Stato Maggiore, ha parlato."), ["Preziosa"]);
        assert_eq!(persone("Il Governo ha deciso."), NONE);
        assert_eq!(persone("Cosa ha detto? Essa ha risposto di no."), NONE);
        assert_eq!(persone("Ne ha parlato anche Google ha detto la stampa."), NONE);
    }

    #[test]
    fn a_capitalised_particle_starts_a_surname_whatever_follows() {
        // "Mistura", "Tonno" are common words; after "De", "Di" they are surnames.
        assert_eq!(persone("Lo ha detto De Mistura, inviato dell'ONU."), ["De Mistura"]);
        assert_eq!(persone("Il commento di Giò Di Tonno è arrivato."), ["Giò Di Tonno"]);
        // Spanish "de la", "de los" inside a name.
        assert_eq!(persone("Ha vinto Fernando de la Torre ieri."), ["Fernando de la Torre"]);
        assert_eq!(people("The fight with Oscar de la Hoya was long."), ["Oscar de la Hoya"]);
        // An article is no such particle: "La Base", "La Repubblica" name things.
        assert_eq!(persone("Il direttore di La Base è arrivato."), NONE);
    }

    #[test]
    fn inflected_italian_words_opening_a_sentence_are_words() {
        // Verb forms whose infinitive is a common word, superlatives, "-ché" conjunctions and
        // connectives no list has: none is a name, however rare the form.
        for text in [
            "Scherzammo a lungo con i colleghi.",
            "Ritornai in studio dopo le ferie.",
            "Considerando il caso, serve una panoramica.",
            "Buttarmi giù non serve.",
            "Lunghissima giornata in studio oggi.",
            "Benché fosse tardi, siamo rimasti.",
            "Qualora il dolore continuasse, chiamateci.",
            "Cosí finisce la giornata.",
        ] {
            assert_eq!(persone(text), NONE, "{text}");
        }
        // A surname no list knows still opens a sentence as a name.
        assert_eq!(persone("Provenzano ha chiamato lo studio."), ["Provenzano"]);
        assert_eq!(people("Dalloway said she would buy the flowers herself."), ["Dalloway"]);
    }

    #[test]
    fn initials() {
        assert_eq!(persone("Grazie alla paziente F.R. per la torta"), ["F.R."]);
        assert_eq!(people("Thanks to our patient J. W. for the flowers"), ["J. W."]);
        assert_eq!(persone("K.S., maschio, nasce alla 40a settimana"), ["K.S."]);
        assert_eq!(persone("C.G. è giunto all'osservazione a novembre"), ["C.G."]);
        assert!(people("The clinic opens at 9 a.m. every day").is_empty());
        // Abbreviations and initials with no person context stay out.
        assert!(people("Made in the U.S. and the U.K.").is_empty());
        assert!(people("see section A.B. of the manual").is_empty());
    }
}

/// The per-token helpers as they were before they read bytes and hash tables, and property
/// tests that the faster ones answer the same.
#[cfg(test)]
mod equivalence {
    use super::*;
    use crate::engine::scan::ScannerBuilder;
    use proptest::prelude::*;

    fn possessive_stripped_by_suffix(text: &str, span: ByteSpan) -> ByteSpan {
        let word = &text[span.start..span.end];
        for suffix in ["'s", "’s", "'S", "’S"] {
            if let Some(rest) = word.strip_suffix(suffix)
                && rest.chars().count() >= 2
            {
                return ByteSpan::new(span.start, span.start + rest.len());
            }
        }
        span
    }

    fn is_initial_by_chars(text: &str, token: ByteSpan) -> bool {
        let word = &text[token.start..token.end];
        let mut chars = word.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if c.is_uppercase())
            && text[token.end..].starts_with('.')
    }

    fn shape_apostrophe_first(word: &str) -> Shape {
        if let Some(pos) = word.find(['\'', '’']) {
            let after = &word[pos..];
            let mut rest = after.chars().skip(1);
            if rest.next().is_some_and(char::is_lowercase) {
                return Shape::Other;
            }
        }
        let mut chars = word.chars();
        let Some(first) = chars.next() else {
            return Shape::Other;
        };
        if !first.is_uppercase() {
            return Shape::Other;
        }
        let mut letters = 1;
        let mut lower = 0;
        let mut lower_run = 0;
        for c in chars {
            if c.is_alphabetic() {
                letters += 1;
                if c.is_lowercase() {
                    lower += 1;
                    lower_run += 1;
                } else {
                    if lower_run > 0 && !NAME_PREFIXES.contains(&&word[..word.len().min(prefix_len(word, c))]) {
                        return Shape::Other;
                    }
                    lower_run = 0;
                }
            } else if c.is_ascii_digit() {
                return Shape::Other;
            } else {
                lower_run = 0;
            }
        }
        if lower > 0 {
            Shape::Capitalised
        } else if letters >= 2 {
            Shape::AllCaps
        } else {
            Shape::Other
        }
    }

    fn fold_title_by_list<'a>(scan: &'a Scan<'_>, span: ByteSpan) -> &'a str {
        let end = if scan.text[span.end..].starts_with('.') { span.end + 1 } else { span.end };
        let with_dot = &scan.folded[span.start..end];
        if TITLES.contains(&with_dot) { with_dot } else { &scan.folded[span.start..span.end] }
    }

    /// Every slice of `text` that starts and ends on a character boundary.
    fn spans(text: &str) -> impl Iterator<Item = ByteSpan> + '_ {
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        (0..bounds.len()).flat_map(move |a| {
            (a..bounds.len()).map({
                let b = bounds.clone();
                move |z| ByteSpan::new(b[a], b[z])
            })
        })
    }

    proptest! {
        #[test]
        fn token_helpers_answer_as_before(text in "[AaÉéLlDOoSs'’.\u{301} 1]{0,7}") {
            for span in spans(&text) {
                prop_assert_eq!(possessive_stripped(&text, span), possessive_stripped_by_suffix(&text, span));
                prop_assert_eq!(is_initial(&text, span), is_initial_by_chars(&text, span));
                let word = &text[span.start..span.end];
                prop_assert_eq!(shape(word), shape_apostrophe_first(word));
                prop_assert_eq!(find_apostrophe(word), word.find(['\'', '’']));
            }
        }

        /// `run_start`'s shortcut: a token starting with an ASCII character that is no capital,
        /// without an apostrophe, could not start a run the long way either.
        #[test]
        fn lower_case_tokens_without_apostrophes_start_no_run(text in "[a-zA-Z0-9àÀ'’.\u{301} -]{0,12}") {
            let mut tokens = Vec::new();
            crate::engine::text::tokenize(&text, &mut tokens);
            for token in tokens {
                if is_plain_lower_case_word(&text, token) {
                    let span = name_core(&text, token);
                    prop_assert!(span.is_empty() || (!is_initial(&text, span) && shape(&text[span.start..span.end]) == Shape::Other));
                }
            }
        }

        /// Asked in text order, `PlainWords` answers as `is_plain_lower_case_word` for every
        /// token, and for spans that skip tokens or overlap none.
        #[test]
        fn plain_words_in_text_order_as_one_by_one(
            text in "[a-zA-Z0-9àÀ'’–…€.\u{301} -]{0,40}",
            skips in proptest::collection::vec(proptest::bool::ANY, 0..40),
        ) {
            let mut tokens = Vec::new();
            crate::engine::text::tokenize(&text, &mut tokens);
            let mut plain = PlainWords::new(&text);
            for (k, token) in tokens.iter().enumerate() {
                if skips.get(k).copied().unwrap_or(false) {
                    continue;
                }
                prop_assert_eq!(plain.is_plain(*token), is_plain_lower_case_word(&text, *token), "{:?}", token);
            }
            // Every character start, each span to every later boundary, starts in order.
            let mut plain = PlainWords::new(&text);
            for (start, _) in text.char_indices() {
                let ends: Vec<usize> = (start + 1..=text.len()).filter(|&e| text.is_char_boundary(e)).collect();
                let end = ends[skips.get(start).map_or(0, |&b| usize::from(b) * (ends.len() - 1))];
                let span = ByteSpan::new(start, end);
                prop_assert_eq!(plain.is_plain(span), is_plain_lower_case_word(&text, span), "{:?}", span);
            }
        }

        #[test]
        fn title_lookup_answers_as_the_list(words in proptest::collection::vec((0..TITLES.len(), "[a-z.]{0,3}", proptest::bool::ANY), 1..6)) {
            let text: String = words
                .iter()
                .map(|(i, extra, upper)| {
                    let w = format!("{}{extra}", TITLES[*i]);
                    if *upper { w.to_uppercase() } else { w }
                })
                .collect::<Vec<_>>()
                .join(" ");
            let scanner = ScannerBuilder::new().build().unwrap();
            let scan = scanner.scan(&text);
            for &token in &scan.tokens {
                prop_assert_eq!(is_title_at(&scan, token), TITLES.contains(&fold_title_by_list(&scan, token)));
            }
        }
    }

    /// Each set holds its list's words and no other (the sets' own property test shows a
    /// lookup answers as `contains` does).
    #[test]
    fn word_sets_hold_their_lists() {
        macro_rules! holds {
            ($($list:ident => $set:ident),* $(,)?) => {$(
                for w in $list {
                    assert!($set.contains(w), "{} {w:?}", stringify!($list));
                    let longer = format!("{w}x");
                    assert_eq!($set.contains(&longer), $list.contains(&longer.as_str()));
                }
                assert!(!$set.contains("zzqx"));
            )*};
        }
        holds!(
            TITLES => TITLE_SET, CAPITAL_PARTICLES => CAPITAL_PARTICLES_SET, PARTICLES => PARTICLES_SET,
            PLACE_NOUNS => PLACE_NOUNS_SET, GREETINGS => GREETINGS_SET, PLACE_HEADS => PLACE_HEADS_SET,
            THING_SUFFIXES => THING_SUFFIXES_SET, NOT_PEOPLE => NOT_PEOPLE_SET, LOCATIVES => LOCATIVES_SET,
            CONNECTIVES_IT => CONNECTIVES_IT_SET, THING_NOUNS => THING_NOUNS_SET,
            CORPORATE_SUFFIXES => CORPORATE_SUFFIXES_SET, HUMAN_VERBS => HUMAN_VERBS_SET,
            SUBJECT_PRONOUNS => SUBJECT_PRONOUNS_SET, AUXILIARIES => AUXILIARIES_SET, ROLE_NOUNS => ROLE_NOUNS_SET,
            APPOSITION_FILLERS => APPOSITION_FILLERS_SET, ROLE_PREPOSITIONS => ROLE_PREPOSITIONS_SET,
            ARTICLES => ARTICLES_SET, NOT_INITIALS => NOT_INITIALS_SET, SURNAME_PARTICLES => SURNAME_PARTICLES_SET,
        );
    }
}
