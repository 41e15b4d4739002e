#!/usr/bin/env python3
"""Writes benches/corpus/posts.jsonl: the benchmark corpus of clinic posts.

Every sentence below was written for Riserbo's benchmarks (nothing is copied from an
evaluation set). Posts are Italian or English, 100 to 3,000 characters; most are ordinary
clinic posts without personal data, some name a patient or give one identifier, a few are
dense with identifiers (an admin pasting a patient record). Identifiers carry valid check
digits, computed here, so recognisers do their full work on them.

Deterministic: the same file on every run (`python3 benches/corpus/generate.py`).
`--seed N --out FILE` writes other posts from the same sentences, for the latency bench's
`--unseen` rows (posts the engine has not read; the corpus is seed 8).
One JSON object a line: {"id", "language": "it"|"en", "kind": "clean"|"some"|"dense", "text"}.
"""
import argparse
import json
import math
import random
from pathlib import Path

OUT = Path(__file__).with_name("posts.jsonl")
POSTS = 240

CLEAN = {
    "it": [
        "Cinque consigli per un alito fresco: lingua pulita, filo interdentale, acqua, niente fumo e controlli regolari.",
        "Siamo aperti dal lunedì al venerdì dalle 9 alle 19; il sabato mattina su appuntamento per le urgenze.",
        "Oggi parliamo di sbiancamento: quando è indicato, quanto dura e perché la sensibilità passa in pochi giorni.",
        "Lo studio resterà chiuso per la formazione del personale; riapriremo con il solito orario la settimana dopo.",
        "Lo spazzolino elettrico non fa miracoli, ma aiuta chi ha poca manualità a pulire meglio vicino alle gengive.",
        "Ogni sei mesi una visita di controllo e una seduta di igiene: così i piccoli problemi restano piccoli.",
        "Il nostro team partecipa al congresso nazionale di odontoiatria a Bologna, vi racconteremo le novità!",
        "Sapevate che le gengive che sanguinano durante lo spazzolamento sono spesso il primo segno di infiammazione?",
        "I bambini dovrebbero fare la prima visita quando spunta il primo dentino, poi ogni sei mesi.",
        "Bevande zuccherate e spuntini continui durante la giornata sono i veri nemici dello smalto.",
        "Usate un dentifricio al fluoro e non sciacquate subito dopo: il fluoro ha bisogno di tempo per agire.",
        "Benvenuta alla nostra nuova igienista, che da lunedì sarà in studio tre giorni alla settimana.",
        "Abbiamo rinnovato la sala d'attesa: più luce, più piante e una libreria per i più piccoli 📚",
        "Il bite notturno protegge i denti di chi digrigna durante il sonno; chiedete al vostro dentista se fa per voi.",
        "Perché si formano le carie? I batteri della placca trasformano gli zuccheri in acidi che sciolgono lo smalto.",
        "L'apparecchio trasparente si toglie per mangiare e per lavare i denti: va portato almeno ventidue ore al giorno.",
        "Ad agosto saremo aperti solo la mattina; per le emergenze trovate il numero di reperibilità sul sito dello studio.",
        "Grazie a tutti per gli auguri: quest'anno lo studio compie vent'anni e ne siamo orgogliosi! 🎉",
        "Fumare macchia i denti, rallenta la guarigione e aumenta il rischio di malattia parodontale.",
        "La radiografia panoramica usa una dose molto bassa di radiazioni e ci mostra ciò che l'occhio non vede.",
        "Cambiate lo spazzolino ogni tre mesi, o prima se le setole sono aperte.",
        "Durante la gravidanza le gengive sono più sensibili: una seduta di igiene in più è una buona idea.",
        "Il filo interdentale va usato una volta al giorno, meglio la sera prima di andare a dormire.",
        "Il nostro studio è accessibile in carrozzina e ha un parcheggio riservato davanti all'ingresso.",
        "Domande frequenti: l'anestesia locale dura in genere un paio d'ore, poi la sensibilità torna normale.",
        "Il collutorio non sostituisce spazzolino e filo, ma può aiutare in periodi particolari.",
        "Questo mese parliamo di prevenzione nelle scuole: due incontri con le classi terze della primaria.",
        "Ci vediamo al corso gratuito sull'igiene orale per genitori, giovedì alle 18 nella sala dello studio.",
    ],
    "en": [
        "Flossing once a day removes plaque your toothbrush can't reach. Ask us to show you how at your next check-up.",
        "Our hygienists explain how gum disease starts, why it is painless at first and what a deep clean involves.",
        "Children should see a dentist when their first tooth appears, and then every six months or as advised.",
        "We are open Monday to Friday from 8am to 6pm, with late appointments on Thursdays until 8pm.",
        "Sugary drinks sipped through the day do more harm than a sweet eaten after lunch: it is about how often.",
        "Electric or manual? The best toothbrush is the one you use properly for two minutes, twice a day.",
        "The team spent Saturday at the local fun run raising money for the children's hospital 🏃",
        "Sensitive teeth? A toothpaste for sensitivity can help within a few weeks, but tell us if it does not.",
        "Spit, don't rinse: leaving fluoride toothpaste on your teeth after brushing keeps it working longer.",
        "We have added two new treatment rooms and a quieter waiting area, thanks for your patience during the works.",
        "Clear aligners need to be worn for about twenty-two hours a day to move teeth as planned.",
        "Bleeding gums when you brush are a sign of inflammation, not a reason to brush less.",
        "Why do we take X-rays? They show decay between teeth and problems under the gum that we cannot see.",
        "Mouthguards for contact sports are made to measure in one visit and protect teeth from knocks.",
        "Happy birthday to our practice! Fifteen years of looking after smiles in the town centre 🎂",
        "A dental check-up is also a check of the soft tissues of your mouth, tongue and throat.",
        "Smoking stains teeth, slows healing and raises the risk of gum disease and tooth loss.",
        "We will be closed on the bank holiday Monday; the out-of-hours number is on our website.",
        "New parents: wipe your baby's gums with a clean cloth and start brushing as soon as the first tooth shows.",
        "Our practice is wheelchair accessible, with step-free access and a ground floor surgery.",
        "Replace your toothbrush every three months, or sooner if the bristles are splayed.",
        "Interdental brushes come in different sizes; your hygienist will tell you which ones fit your gaps.",
        "What happens at a scale and polish? We remove hardened tartar and polish away surface stains.",
        "Local anaesthetic usually wears off within two to three hours; avoid hot drinks until it does.",
        "We are proud to support the school dental health week with free talks for parents and pupils.",
        "Grinding your teeth at night can cause headaches and worn enamel; a night guard can help.",
        "Dry mouth is a side effect of many medicines; sipping water and sugar-free gum can help.",
        "Meet our new receptionist, who joins us this month and will be the friendly voice on the phone.",
    ],
}

GIVEN = {"it": ["Lucia", "Marco", "Giulia", "Davide", "Chiara", "Alessandro", "Francesca", "Matteo"],
         "en": ["Olivia", "James", "Sophie", "Thomas", "Emily", "Daniel", "Charlotte", "Oliver"]}
SURNAMES = {"it": ["Fontana", "Bianchi", "Conti", "Gentile", "Ferrara", "Marchetti", "Lombardi", "Rinaldi"],
            "en": ["Bennett", "Clarke", "Hughes", "Walker", "Morgan", "Turner", "Parker", "Edwards"]}

# Templates with identifiers: {name} and the generated values below.
PERSONAL = {
    "it": [
        "Oggi la sig.ra {name} ha fatto l'impianto e ci ha lasciato una bellissima recensione!",
        "Auguri a {name}, la nostra paziente più giovane, per il suo apparecchio nuovo 🦷",
        "Per {name}: il referto è pronto, può ritirarlo in segreteria o scriverci a {email}.",
        "Il paziente {name}, codice fiscale {cf}, deve portare la tessera sanitaria alla prossima visita.",
        "Promemoria per {name}: controllo fissato, per spostarlo chiami il {phone_it}.",
        "Bonifico per la terapia di {name} su IBAN {iban}, causale visita del {date_it}.",
        "Fattura intestata a {name}, P.IVA {vat}, nato il {date_it}, tel. {phone_it}, email {email}.",
        "Carta d'identità {ci} e codice fiscale {cf} di {name} allegati alla cartella clinica n. {record}.",
        "Grazie a {name} che dopo la devitalizzazione è tornato a sorridere, ecco il suo prima e dopo!",
    ],
    "en": [
        "Thanks to {name} for trusting us with the new crowns, what a lovely result!",
        "Congratulations to {name}, who finished her braces treatment this week 🎉",
        "Reminder for {name}: NHS number {nhs}, appointment moved, please call {phone_uk}.",
        "Please send the referral for {name} (date of birth {date_en}, postcode {postcode}) to {email}.",
        "{name} paid by card {card} on {date_en}; receipt sent to {email}.",
        "Her National Insurance number {nino} and NHS number {nhs} were written on the form {name} left.",
        "Text {name} on {phone_uk} about the extraction, her postcode is {postcode}.",
        "Patient {name}, passport number {ukpass}, asked for the treatment notes from {date_en}.",
        "Our patient {name} was so brave at her root canal today, she deserves a medal!",
    ],
}

MONTHS_IT = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
             "settembre", "ottobre", "novembre", "dicembre"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]

CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def cf_check(body):
    total = 0
    for i, ch in enumerate(body):
        v = int(ch) if ch.isdigit() else ord(ch) - 65
        total += CF_ODD[v] if i % 2 == 0 else v
    return chr(65 + total % 26)


def fiscal_code(rng, surname, given):
    def letters(word, n_skip_rule):
        cons = [c for c in word.upper() if c.isalpha() and c not in "AEIOU"]
        vow = [c for c in word.upper() if c in "AEIOU"]
        if n_skip_rule and len(cons) >= 4:
            cons = [cons[0], cons[2], cons[3]]
        return "".join((cons + vow + ["X"] * 3)[:3])
    month = "ABCDEHLMPRST"[rng.randrange(12)]
    day = rng.randrange(1, 29) + (40 if rng.random() < 0.5 else 0)
    town = rng.choice(["H501", "F205", "L219", "A944", "G273", "L378"])
    body = f"{letters(surname, False)}{letters(given, True)}{rng.randrange(40, 99)}{month}{day:02d}{town}"
    return body + cf_check(body)


def iban_it(rng):
    bban_digits = "".join(str(rng.randrange(10)) for _ in range(22))
    cin = chr(65 + rng.randrange(26))
    bban = cin + bban_digits
    def num(s):
        return "".join(str(int(c, 36)) for c in s)
    check = 98 - int(num(bban + "IT00")) % 97
    raw = f"IT{check:02d}{bban}"
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def vat_it(rng):
    digits = [rng.randrange(10) for _ in range(7)] + [0, 0, 1]
    total = 0
    for i, d in enumerate(digits):
        if i % 2 == 0:
            total += d
        else:
            dd = d * 2
            total += dd - 9 if dd > 9 else dd
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def nhs(rng):
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            s = "".join(map(str, digits)) + str(check)
            return f"{s[:3]} {s[3:6]} {s[6:]}"


def luhn_card(rng):
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    s = "".join(map(str, digits)) + str((10 - total % 10) % 10)
    return " ".join(s[i:i + 4] for i in range(0, 16, 4))


def values(rng, lang):
    given, surname = rng.choice(GIVEN[lang]), rng.choice(SURNAMES[lang])
    return {
        "name": f"{given} {surname}",
        "cf": fiscal_code(rng, surname, given),
        "email": f"{given.lower()}.{surname.lower()}{rng.randrange(10, 99)}@{rng.choice(['gmail.com', 'libero.it', 'outlook.com'])}",
        "phone_it": f"+39 3{rng.randrange(20, 49)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
        "phone_uk": f"07700 900{rng.randrange(100, 999)}",
        "iban": iban_it(rng),
        "vat": vat_it(rng),
        "date_it": f"{rng.randrange(1, 28)} {rng.choice(MONTHS_IT)} {rng.randrange(1940, 2020)}",
        "date_en": f"{rng.randrange(1, 28)} {rng.choice(MONTHS_EN)} {rng.randrange(1940, 2020)}",
        "ci": f"CA{rng.randrange(10000, 99999)}{rng.choice(['RA', 'BB', 'KL'])}",
        "record": f"{rng.randrange(2019, 2026)}/{rng.randrange(100, 999)}",
        "nhs": nhs(rng),
        "nino": f"{rng.choice(['AB', 'JG', 'CE'])} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.choice('ABCD')}",
        "postcode": rng.choice(["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "LS1 4AP", "EH1 1YZ"]),
        "card": luhn_card(rng),
        "ukpass": f"{rng.randrange(100000000, 999999999)}",
    }


def post(rng, index):
    language = "it" if index % 2 == 0 else "en"
    roll = rng.random()
    kind = "clean" if roll < 0.7 else ("some" if roll < 0.9 else "dense")
    # Lengths log-uniform between 100 and 3,000 characters: many short posts, a few long ones.
    target = int(math.exp(rng.uniform(math.log(100), math.log(3000))))
    sentences = []
    length = 0
    personal_left = {"clean": 0, "some": 1, "dense": 1000}[kind]
    while length < target:
        if personal_left and (kind == "dense" or not sentences or rng.random() < 0.3):
            s = rng.choice(PERSONAL[language]).format(**values(rng, language))
            personal_left -= 1
        else:
            s = rng.choice(CLEAN[language])
        if length + len(s) + 1 > 3000:
            break
        sentences.append(s)
        length += len(s) + 1
    text = " ".join(sentences)
    while len(text) < 100:
        text += " " + rng.choice(CLEAN[language])
    return {"id": f"post-{index:03d}", "language": language, "kind": kind, "text": text}


def main():
    parser = argparse.ArgumentParser(description="Writes the benchmark corpus of clinic posts.")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with args.out.open("w", encoding="utf-8") as out:
        for i in range(POSTS):
            out.write(json.dumps(post(rng, i), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
