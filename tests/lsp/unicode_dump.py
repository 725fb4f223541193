"""A small dump full of curly quotes, accents, emoji and CJK, for position tests."""

HEADER = (
    "This article is from the source 'bbc' and was first published or seen on . "
    "It last changed over 40 days ago and won't be checked again for changes.\n\n"
    "You can find the current article at its original source at https://www.bbc.co.uk/news/world-12345678\n\n"
    "The article has changed 4 times. There is an RSS feed of changes available.\n\n"
    "Version 2 Version 3\n"
)
TITLE = "Le “café” 😀 de Séoul 中文"
SAME = "Au “café” de Séoul 😀, les clients 中文字 parlent de la réouverture depuis lundi matin."
OLD = "Le propriétaire 🍵 a déclaré « nous sommes fermés » jusqu’à nouvel ordre, selon 東京新聞 ce matin."
NEW = "Le propriétaire 🍵 a déclaré « nous sommes ouverts » jusqu’à nouvel ordre, selon 東京新聞 ce soir."
ADDED = "Une nouvelle terrasse 🌸 ouvrira au printemps, a précisé la mairie de 서울 dans un communiqué."
TAIL = "Les habitants du quartier 🏙️ se disent « ravis » de retrouver leur lieu de rencontre préféré."

TEXT = (
    HEADER
    + f"{TITLE} {TITLE}\n"
    + "(about 2 hours later)\n"
    + f"{SAME}{SAME}\n"
    + f"{OLD} {NEW}\n"
    + f"{ADDED}\n"
    + f"{TAIL}{TAIL}\n"
)
LINES = TEXT.split("\n")
CHANGED_LINE = 10
ADDED_LINE = 11
