"""Reference data the demo population is drawn from: names by culture, places, phones,
email domains, the shop's catalogue, support staff and the words people write.

Plain tuples and dicts, no logic: the generator modules decide how to combine them.
"""
from __future__ import annotations

# --- the company ------------------------------------------------------------------------------

COMPANY = "Northtrail"
SHOP_DOMAIN = "northtrail.example"
SUPPORT_ADDRESS = f"support@{SHOP_DOMAIN}"
ZENDESK_HOST = "northtrail.zendesk.com"
STORE_ZONE = "America/Chicago"  # the shop's time zone: order times carry its -0500/-0600 offset
AMPLITUDE_PROJECT = "412345"
PLAY_PACKAGE = "com.northtrail.app"
TWITTER_BRAND_ID = "98765432"
TWITTER_BRAND_USERNAME = "northtrail"
FACEBOOK_PAGE_ID = "123456789012345"
AWS_ACCOUNT = "111122223333"
CONNECT_INSTANCE = f"arn:aws:connect:us-east-1:{AWS_ACCOUNT}:instance/4f1c2b8e-9d0a-4e55-8a7b-3c2d1e0f9a8b"
CONNECT_NUMBER = "+18005550199"

# --- names ------------------------------------------------------------------------------------
# culture -> (female first names, male first names, last names)
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "anglo": (
        ("Emily", "Sarah", "Jessica", "Jennifer", "Elizabeth", "Katherine", "Rebecca", "Megan", "Rachel", "Lauren",
         "Hannah", "Olivia", "Abigail", "Margaret", "Susan", "Patricia", "Deborah", "Amanda", "Samantha", "Victoria",
         "Zoë", "Chloe", "Madison", "Heather", "Allison", "Brittany", "Kimberly", "Natalie", "Grace", "Alexandra"),
        ("James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Christopher",
         "Daniel", "Matthew", "Anthony", "Andrew", "Joshua", "Jonathan", "Benjamin", "Samuel", "Nicholas", "Steven",
         "Tyler", "Brandon", "Ethan", "Nathan", "Zachary", "Alexander", "Jacob", "Ryan", "Kevin", "Timothy"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
         "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
         "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
         "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins",
         "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
         "Bailey", "Bell", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett",
         "Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins"),
    ),
    "hispanic": (
        ("María", "Sofía", "Valentina", "Camila", "Isabella", "Lucía", "Gabriela", "Daniela", "Ana", "Carmen",
         "Elena", "Paula", "Mariana", "Adriana", "Verónica", "Rosa", "Alejandra", "Natalia", "Ximena", "Julieta"),
        ("José", "Luis", "Carlos", "Juan", "Miguel", "Jorge", "Alejandro", "Diego", "Andrés", "Javier",
         "Fernando", "Ricardo", "Eduardo", "Mateo", "Santiago", "Raúl", "Sergio", "Héctor", "Óscar", "Pablo"),
        ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez",
         "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes", "Gutiérrez", "Ortiz",
         "Chávez", "Ramos", "Ruiz", "Álvarez", "Mendoza", "Castillo", "Jiménez", "Vargas", "Romero", "Núñez", "Herrera"),
    ),
    "polish": (
        ("Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Aleksandra", "Magdalena", "Joanna", "Monika", "Ewa",
         "Zofia", "Natalia", "Karolina", "Dorota", "Barbara", "Marta", "Justyna", "Beata", "Iwona", "Paulina", "Żaneta"),
        ("Tomasz", "Piotr", "Krzysztof", "Andrzej", "Paweł", "Michał", "Marcin", "Łukasz", "Jakub", "Grzegorz",
         "Mateusz", "Wojciech", "Mariusz", "Dariusz", "Rafał", "Kamil", "Maciej", "Bartłomiej", "Szymon", "Przemysław"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
         "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk",
         "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Zając"),
    ),
    "german": (
        ("Anna", "Lena", "Julia", "Sophie", "Katharina", "Laura", "Marie", "Sabine", "Petra", "Ursula", "Jana",
         "Hannah", "Lea", "Franziska", "Birgit", "Claudia", "Mia", "Charlotte", "Greta", "Jördis"),
        ("Lukas", "Jonas", "Felix", "Maximilian", "Stefan", "Thomas", "Andreas", "Michael", "Jürgen", "Klaus",
         "Wolfgang", "Matthias", "Tobias", "Florian", "Sebastian", "Johannes", "Uwe", "Dieter", "Björn", "Jörg"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
         "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
         "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Groß"),
    ),
    "indian": (
        ("Priya", "Ananya", "Aisha", "Divya", "Kavya", "Meera", "Neha", "Pooja", "Riya", "Shreya", "Sneha",
         "Lakshmi", "Deepa", "Anjali", "Isha", "Nisha", "Sunita", "Tanvi"),
        ("Arjun", "Rahul", "Vikram", "Rohan", "Aditya", "Sanjay", "Amit", "Karthik", "Nikhil", "Ravi", "Suresh",
         "Rajesh", "Anil", "Vivek", "Harsh", "Manish", "Pranav", "Siddharth"),
        ("Raman", "Patel", "Shah", "Sharma", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Menon", "Rao",
         "Joshi", "Desai", "Mehta", "Chopra", "Krishnan", "Bhat", "Pillai", "Agarwal", "Kapoor", "Malhotra"),
    ),
    "chinese": (
        ("Mei", "Li", "Xiu", "Ying", "Lan", "Jing", "Hui", "Yan", "Fang", "Xin", "Wen", "Qing"),
        ("Wei", "Jun", "Hao", "Lei", "Ming", "Jian", "Tao", "Bo", "Chen", "Yong", "Feng", "Kai"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu",
         "Hu", "Guo", "He", "Lin", "Gao", "Luo"),
    ),
    "vietnamese": (
        ("Linh", "Trang", "Huong", "Mai", "Thao", "Ngoc", "Phuong", "Anh", "Hoa", "Lan"),
        ("Minh", "Duc", "Tuan", "Quang", "Hung", "Long", "Nam", "Khoa", "Bao", "Thanh"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Vo", "Dang", "Bui", "Do", "Ngo"),
    ),
    "irish": (
        ("Siobhán", "Aoife", "Niamh", "Ciara", "Saoirse", "Róisín", "Orla", "Maeve", "Caoimhe", "Sinéad"),
        ("Seán", "Liam", "Conor", "Cian", "Oisín", "Declan", "Patrick", "Eoin", "Darragh", "Ronan"),
        ("O'Brien", "Murphy", "Kelly", "O'Sullivan", "Walsh", "O'Connor", "McCarthy", "Byrne", "Ryan",
         "O'Neill", "Doyle", "Gallagher", "Lynch", "Quinn", "McLaughlin", "Brennan", "Fitzgerald", "Kennedy"),
    ),
    "nigerian": (
        ("Adaeze", "Chiamaka", "Ngozi", "Folake", "Funmilayo", "Amara", "Ifeoma", "Temitope", "Yetunde", "Zainab"),
        ("Chinedu", "Emeka", "Oluwaseun", "Tunde", "Obinna", "Babatunde", "Ikenna", "Chukwuemeka", "Segun", "Marcus"),
        ("Okafor", "Adeyemi", "Okonkwo", "Obi", "Nwosu", "Eze", "Adebayo", "Okeke", "Balogun", "Ogunleye",
         "Chukwu", "Afolabi", "Nwachukwu", "Oyelaran"),
    ),
    "arabic": (
        ("Fatima", "Layla", "Noor", "Mariam", "Yasmin", "Aaliyah", "Salma", "Hana", "Rania", "Leila"),
        ("Omar", "Ahmed", "Yusuf", "Khalid", "Hassan", "Karim", "Tariq", "Samir", "Ibrahim", "Bilal"),
        ("Haddad", "Khoury", "Nasser", "Saleh", "Mansour", "Hamdan", "Aziz", "Farouk", "Rahman", "Darwish",
         "El-Amin", "Qureshi"),
    ),
    "korean": (
        ("Ji-woo", "Seo-yeon", "Min-ji", "Ha-eun", "Soo-ah", "Yuna", "Eun-ji", "Hye-jin"),
        ("Min-jun", "Ji-hoon", "Seo-jun", "Hyun-woo", "Dong-hyun", "Jae-won", "Sung-min", "Tae-yang"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Shin"),
    ),
    "turkish": (
        ("Elif", "Zeynep", "Ayşe", "Emine", "Merve", "Büşra", "Selin", "Derya"),
        ("Mehmet", "Mustafa", "Emre", "Can", "Burak", "Murat", "Oğuz", "Serkan"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Arslan", "Doğan"),
    ),
}

# country -> ((culture, weight), ...)
CULTURE_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "US": (("anglo", 48), ("hispanic", 18), ("indian", 7), ("chinese", 5), ("vietnamese", 3), ("polish", 3),
           ("german", 3), ("irish", 4), ("nigerian", 3), ("arabic", 3), ("korean", 3)),
    "CA": (("anglo", 55), ("chinese", 12), ("indian", 12), ("irish", 6), ("vietnamese", 5), ("arabic", 5), ("polish", 5)),
    "GB": (("anglo", 62), ("indian", 14), ("polish", 8), ("irish", 8), ("nigerian", 5), ("arabic", 3)),
    "PL": (("polish", 100),),
    "DE": (("german", 82), ("turkish", 12), ("polish", 6)),
}
COUNTRY_WEIGHTS = (("US", 82), ("GB", 6), ("CA", 4), ("PL", 4), ("DE", 4))

NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will"), "Robert": ("Bob", "Rob"), "Elizabeth": ("Liz", "Beth"), "Katherine": ("Kate", "Katie"),
    "Michael": ("Mike",), "Jonathan": ("Jon",), "John": ("Jon", "Johnny"), "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"),
    "Jennifer": ("Jen", "Jenny"), "Alexander": ("Alex",), "Alexandra": ("Alex", "Sasha"), "Margaret": ("Maggie", "Peggy"),
    "Richard": ("Rick", "Rich"), "James": ("Jim", "Jamie"), "Joseph": ("Joe",), "Thomas": ("Tom",), "Patricia": ("Pat", "Trish"),
    "Susan": ("Sue",), "Deborah": ("Deb", "Debbie"), "Anthony": ("Tony",), "Samuel": ("Sam",), "Samantha": ("Sam",),
    "Benjamin": ("Ben",), "Nicholas": ("Nick",), "Matthew": ("Matt",), "Andrew": ("Andy", "Drew"), "Steven": ("Steve",),
    "Rebecca": ("Becky",), "Jessica": ("Jess",), "Timothy": ("Tim",), "Zachary": ("Zach",), "Victoria": ("Vicky", "Tori"),
    "Kimberly": ("Kim",), "Joshua": ("Josh",), "Nathan": ("Nate",), "Jacob": ("Jake",), "Abigail": ("Abby",),
    "Amanda": ("Mandy",), "Allison": ("Ally",), "Alejandro": ("Alex",), "Francisco": ("Paco",), "José": ("Pepe",),
    "Guadalupe": ("Lupe",), "Katarzyna": ("Kasia",), "Małgorzata": ("Gosia",), "Aleksandra": ("Ola",),
    "Tomasz": ("Tomek",), "Krzysztof": ("Krzysiek",), "Wojciech": ("Wojtek",), "Bartłomiej": ("Bartek",),
    "Przemysław": ("Przemek",), "Magdalena": ("Magda",), "Agnieszka": ("Aga",), "Maximilian": ("Max",),
    "Johannes": ("Hannes",), "Franziska": ("Franzi",), "Sebastian": ("Basti",), "Siddharth": ("Sid",),
    "Oluwaseun": ("Seun",), "Babatunde": ("Tunde",), "Chukwuemeka": ("Emeka",),
}

ASCII_FOLD = str.maketrans({
    "á": "a", "à": "a", "ä": "a", "ą": "a", "ã": "a", "é": "e", "è": "e", "ë": "e", "ę": "e", "í": "i", "ï": "i",
    "ı": "i", "ó": "o", "ö": "o", "ő": "o", "ú": "u", "ü": "u", "ñ": "n", "ń": "n", "ł": "l", "ś": "s", "ş": "s",
    "ź": "z", "ż": "z", "ć": "c", "ç": "c", "ğ": "g", "ß": "ss", "Á": "A", "É": "E", "Í": "I", "Ó": "O", "Ö": "O",
    "Ú": "U", "Ü": "U", "Ł": "L", "Ś": "S", "Ż": "Z", "Ź": "Z", "Ç": "C", "Ş": "S", "Ä": "A", "Ø": "O", "ø": "o",
})

# --- places -----------------------------------------------------------------------------------
# (city, province code, province name, zip prefix, zip range, area codes, weight)
US_CITIES = (
    ("Austin", "TX", "Texas", "787", (1, 59), ("512", "737"), 14),
    ("Round Rock", "TX", "Texas", "786", (64, 81), ("512", "737"), 3),
    ("Houston", "TX", "Texas", "770", (2, 99), ("713", "281", "832"), 6),
    ("Dallas", "TX", "Texas", "752", (1, 99), ("214", "469", "972"), 5),
    ("San Antonio", "TX", "Texas", "782", (1, 99), ("210",), 4),
    ("Chicago", "IL", "Illinois", "606", (1, 61), ("312", "773", "872"), 6),
    ("Denver", "CO", "Colorado", "802", (2, 39), ("303", "720"), 4),
    ("Boulder", "CO", "Colorado", "803", (1, 10), ("303", "720"), 2),
    ("Seattle", "WA", "Washington", "981", (1, 99), ("206",), 4),
    ("Portland", "OR", "Oregon", "972", (1, 99), ("503", "971"), 3),
    ("Bend", "OR", "Oregon", "977", (1, 3), ("541",), 1),
    ("San Francisco", "CA", "California", "941", (2, 34), ("415", "628"), 3),
    ("Los Angeles", "CA", "California", "900", (1, 89), ("213", "310", "323"), 5),
    ("San Diego", "CA", "California", "921", (1, 99), ("619", "858"), 3),
    ("New York", "NY", "New York", "100", (1, 99), ("212", "646", "917"), 5),
    ("Brooklyn", "NY", "New York", "112", (1, 56), ("718", "347"), 3),
    ("Boston", "MA", "Massachusetts", "021", (8, 36), ("617", "857"), 3),
    ("Philadelphia", "PA", "Pennsylvania", "191", (2, 54), ("215", "267"), 2),
    ("Pittsburgh", "PA", "Pennsylvania", "152", (1, 99), ("412",), 1),
    ("Atlanta", "GA", "Georgia", "303", (1, 99), ("404", "678"), 3),
    ("Miami", "FL", "Florida", "331", (1, 99), ("305", "786"), 2),
    ("Orlando", "FL", "Florida", "328", (1, 39), ("407",), 2),
    ("Nashville", "TN", "Tennessee", "372", (1, 99), ("615",), 2),
    ("Minneapolis", "MN", "Minnesota", "554", (1, 99), ("612",), 2),
    ("Salt Lake City", "UT", "Utah", "841", (1, 99), ("801",), 2),
    ("Phoenix", "AZ", "Arizona", "850", (1, 99), ("602", "480"), 2),
    ("Madison", "WI", "Wisconsin", "537", (1, 99), ("608",), 1),
    ("Columbus", "OH", "Ohio", "432", (1, 99), ("614",), 2),
    ("Raleigh", "NC", "North Carolina", "276", (1, 99), ("919",), 2),
    ("Kansas City", "MO", "Missouri", "641", (1, 99), ("816",), 1),
    ("Detroit", "MI", "Michigan", "482", (1, 99), ("313",), 1),
    ("Burlington", "VT", "Vermont", "054", (1, 8), ("802",), 1),
    ("Anchorage", "AK", "Alaska", "995", (1, 99), ("907",), 1),
)
US_TAX = {"TX": ("TX State Tax 6.25%", 0.0625), "IL": ("IL State Tax 6.25%", 0.0625), "CO": ("CO State Tax 2.9%", 0.029),
          "WA": ("WA State Tax 6.5%", 0.065), "CA": ("CA State Tax 7.25%", 0.0725), "NY": ("NY State Tax 4%", 0.04),
          "MA": ("MA State Tax 6.25%", 0.0625), "PA": ("PA State Tax 6%", 0.06), "GA": ("GA State Tax 4%", 0.04),
          "FL": ("FL State Tax 6%", 0.06), "TN": ("TN State Tax 7%", 0.07), "MN": ("MN State Tax 6.875%", 0.06875),
          "UT": ("UT State Tax 4.85%", 0.0485), "AZ": ("AZ State Tax 5.6%", 0.056), "WI": ("WI State Tax 5%", 0.05),
          "OH": ("OH State Tax 5.75%", 0.0575), "NC": ("NC State Tax 4.75%", 0.0475), "MO": ("MO State Tax 4.225%", 0.04225),
          "MI": ("MI State Tax 6%", 0.06), "VT": ("VT State Tax 6%", 0.06)}
CA_CITIES = (
    ("Toronto", "ON", "Ontario", ("M5V", "M4C", "M6K", "M5A", "M4L"), ("416", "647"), 5),
    ("Vancouver", "BC", "British Columbia", ("V6B", "V5K", "V6K", "V5T"), ("604", "778"), 3),
    ("Montréal", "QC", "Quebec", ("H2X", "H2T", "H3H", "H1V"), ("514", "438"), 2),
)
GB_CITIES = (
    ("London", ("E1", "E8", "N1", "N16", "SE15", "SW11", "W3", "NW5"), 6),
    ("Leeds", ("LS1", "LS6", "LS7", "LS11", "LS17"), 2),
    ("Manchester", ("M1", "M4", "M14", "M20", "M21"), 2),
    ("Bristol", ("BS1", "BS3", "BS6", "BS7"), 2),
    ("Edinburgh", ("EH1", "EH3", "EH6", "EH9"), 1),
    ("Glasgow", ("G1", "G3", "G12", "G41"), 1),
)
PL_CITIES = (
    ("Kraków", (30, 31), 3), ("Warszawa", (0, 4), 4), ("Gdańsk", (80, 80), 2), ("Wrocław", (50, 54), 2),
    ("Poznań", (60, 61), 1), ("Łódź", (90, 94), 1),
)
DE_CITIES = (
    ("Berlin", (10115, 14199), 4), ("München", (80331, 81929), 3), ("Hamburg", (20095, 22769), 2),
    ("Köln", (50667, 51149), 2), ("Leipzig", (4103, 4357), 1), ("Frankfurt am Main", (60311, 60599), 1),
)
US_STREETS = ("Lantern Way", "Oak Street", "Maple Avenue", "Cedar Lane", "Pine Street", "Elm Street", "Washington Avenue",
              "Lake Drive", "Hillcrest Road", "Sunset Boulevard", "Park Avenue", "River Road", "Meadow Lane", "Highland Avenue",
              "Congress Avenue", "Barton Springs Road", "Cherry Lane", "Willow Creek Drive", "Juniper Court", "Mesa Drive",
              "2nd Street", "5th Avenue", "Main Street", "Church Street", "Forest Hill Drive", "Summit Ridge", "Aspen Way",
              "Bluebonnet Lane", "Magnolia Street", "Spring Garden Street", "Harbor View Road", "Granite Pass")
GB_STREETS = ("Kirkstall Road", "High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Queen Street",
              "Albion Terrace", "Gloucester Road", "Wilmslow Road", "Leith Walk", "Byres Road")
PL_STREETS = ("ul. Długa", "ul. Floriańska", "ul. Marszałkowska", "ul. Piotrkowska", "ul. Świętojańska", "ul. Grodzka",
              "ul. Mokotowska", "al. Jerozolimskie", "ul. Szewska", "ul. Ogrodowa")
DE_STREETS = ("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Lindenallee", "Kastanienallee",
              "Gartenweg", "Friedrichstraße", "Schulstraße", "Bergstraße", "Am Markt")

# Phone prefixes checked valid with phonenumbers (see tests/demo/test_generator.py).
GB_MOBILE_PREFIXES = ("074", "075", "077", "078")
PL_MOBILE_PREFIXES = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")
DE_MOBILE_PREFIXES = ("151", "152", "157", "160", "162", "170", "171", "172", "173", "175", "176", "177", "178", "179")

# --- email ------------------------------------------------------------------------------------
EMAIL_DOMAINS = {
    "US": (("gmail.com", 42), ("yahoo.com", 10), ("outlook.com", 8), ("hotmail.com", 7), ("icloud.com", 10),
           ("aol.com", 3), ("proton.me", 2), ("comcast.net", 3), ("me.com", 2), ("att.net", 2)),
    "CA": (("gmail.com", 45), ("hotmail.com", 12), ("outlook.com", 10), ("yahoo.ca", 8), ("icloud.com", 8),
           ("rogers.com", 4), ("shaw.ca", 3)),
    "GB": (("gmail.com", 40), ("hotmail.co.uk", 12), ("outlook.com", 8), ("yahoo.co.uk", 8), ("icloud.com", 8),
           ("btinternet.com", 6), ("sky.com", 4)),
    "PL": (("gmail.com", 40), ("wp.pl", 18), ("onet.pl", 14), ("interia.pl", 10), ("o2.pl", 8)),
    "DE": (("gmail.com", 28), ("gmx.de", 22), ("web.de", 20), ("t-online.de", 12), ("outlook.de", 6), ("posteo.de", 4)),
}
DOMAIN_TYPOS = {"gmail.com": ("gmial.com", "gmail.co", "gmai.com", "gmail.con"), "hotmail.com": ("hotmial.com", "hotmail.co"),
                "yahoo.com": ("yahooo.com", "yaho.com"), "outlook.com": ("outlok.com", "outlook.co"),
                "icloud.com": ("iclod.com", "icloud.co")}
COMPANY_WORDS = (("Kowalski", "Plumbing"), ("Lone Star", "Outfitters"), ("Bluebonnet", "Bakery"), ("Cedar Ridge", "Dental"),
                 ("Harbor", "Logistics"), ("Summit", "Physio"), ("Redwood", "Design Studio"), ("Prairie", "Veterinary Clinic"),
                 ("Granite", "Climbing Gym"), ("Juniper", "Coffee Roasters"), ("Magnolia", "Florist"), ("Trailhead", "Guides"),
                 ("Northgate", "Realty"), ("Aspen", "Yoga"), ("Riverbend", "Brewing"), ("Mesa", "Architects"))
SHARED_MAILBOXES = ("info", "office", "hello", "orders", "admin")

# --- catalogue --------------------------------------------------------------------------------
# (name, sku, price, compare-at price or "", requires shipping)
PRODUCTS = (
    ("Trail Sock - Charcoal / M", "SOCK-CH-M", "12.00", "", True), ("Trail Sock - Charcoal / L", "SOCK-CH-L", "12.00", "", True),
    ("Trail Sock - Moss / M", "SOCK-MO-M", "12.00", "", True), ("Merino Beanie", "BEANIE-01", "40.00", "48.00", True),
    ("Merino Base Layer - Women / S", "BASE-W-S", "89.00", "", True), ("Merino Base Layer - Women / M", "BASE-W-M", "89.00", "", True),
    ("Merino Base Layer - Men / M", "BASE-M-M", "89.00", "", True), ("Merino Base Layer - Men / L", "BASE-M-L", "89.00", "", True),
    ("Ridge Fleece Jacket - Slate / M", "FLEECE-SL-M", "129.00", "149.00", True),
    ("Ridge Fleece Jacket - Rust / L", "FLEECE-RU-L", "129.00", "149.00", True),
    ("Stormline Rain Shell - Navy / M", "SHELL-NV-M", "219.00", "", True),
    ("Stormline Rain Shell - Olive / L", "SHELL-OL-L", "219.00", "", True),
    ("Switchback Hiking Pant - 32", "PANT-32", "98.00", "", True), ("Switchback Hiking Pant - 34", "PANT-34", "98.00", "", True),
    ("Canyon Sun Hoodie - Sand / M", "HOODIE-SA-M", "64.00", "", True), ("Alpine Down Vest - Black / M", "VEST-BK-M", "159.00", "189.00", True),
    ("Trekker 28L Daypack", "PACK-28", "139.00", "", True), ("Summit 45L Backpack", "PACK-45", "229.00", "", True),
    ("Insulated Bottle 750ml", "BOTTLE-750", "34.00", "", True), ("Camp Mug - Enamel", "MUG-EN", "18.00", "", True),
    ("Trail Gaiters", "GAITER-01", "45.00", "", True), ("Glove Liner - Touchscreen", "GLOVE-LN", "29.00", "", True),
    ("Neck Gaiter - Merino", "NECK-01", "32.00", "", True), ("Headlamp 400", "LAMP-400", "49.00", "", True),
    ("Wool Hiking Socks 3-Pack", "SOCK-3PK", "32.00", "36.00", True), ("Packable Puffer - Women / S", "PUFF-W-S", "179.00", "", True),
    ("Packable Puffer - Men / L", "PUFF-M-L", "179.00", "", True), ("Gift Card $25", "", "25.00", "", False),
    ("Gift Card $50", "", "50.00", "", False), ("Gift Card $100", "", "100.00", "", False),
)
DISCOUNT_CODES = (("WELCOME10", 0.10), ("TRAIL15", 0.15), ("BFCM25", 0.25), ("FREESHIP", 0.0), ("SUMMER20", 0.20))
SHIPPING_METHODS = (("Standard", "6.00"), ("Standard", "6.00"), ("Express", "14.95"), ("Free Shipping", "0.00"))
PAYMENT_METHODS = ("Shopify Payments", "Shopify Payments", "Shopify Payments", "PayPal Express Checkout", "Shop Pay", "gift_card")
POS_LOCATION = "Austin Flagship"
POS_STAFF = ("Dana K", "Luis M", "Morgan T", "Avery P")

# --- support ----------------------------------------------------------------------------------
ZENDESK_AGENTS = (("Alex Rivera", "arivera"), ("Jordan Lee", "jlee"), ("Sam Patel", "spatel"), ("Casey Nguyen", "cnguyen"),
                  ("Riley Brooks", "rbrooks"), ("Taylor Kim", "tkim"), ("Jamie Ortiz", "jortiz"), ("Morgan Hale", "mhale"),
                  ("Chris Becker", "cbecker"), ("Robin Walsh", "rwalsh"))
CONNECT_AGENTS = ("dkim", "mgarcia", "tjohnson", "apatel", "lchen", "rwilliams", "snowak", "bmartin", "kobrien", "jsmith")
CONNECT_QUEUES = {"order_status": "OrderStatusQueue", "refund": "BillingQueue", "damaged_item": "ReturnsQueue",
                  "return": "ReturnsQueue", "checkout_failed": "BillingQueue", "account": "GeneralQueue",
                  "product_question": "SalesQueue", "address_change": "OrderStatusQueue", "discount_code": "BillingQueue",
                  "cancel_order": "OrderStatusQueue"}

# issue kind -> (weight when the person has orders, weight without, needs an order, ticket tags, Connect intent)
ISSUES = {
    "where_is_my_order": (26, 0, True, ("shipping", "wismo"), "order_status"),
    "damaged_item": (9, 0, True, ("returns", "damaged"), "damaged_item"),
    "wrong_size": (12, 0, True, ("returns", "exchange"), "return"),
    "refund_status": (10, 0, True, ("billing", "refund"), "refund"),
    "checkout_failed": (10, 20, False, ("billing", "checkout"), "checkout_failed"),
    "cancel_order": (5, 0, True, ("orders", "cancellation"), "cancel_order"),
    "discount_code": (6, 6, False, ("billing", "promo"), "discount_code"),
    "account_login": (6, 30, False, ("account", "login"), "account"),
    "product_question": (8, 44, False, ("presales", "product"), "product_question"),
    "address_change": (8, 0, True, ("shipping", "address"), "address_change"),
}
SUBJECTS = {
    "where_is_my_order": ("Where is my order {order}?", "Order {order} still not delivered", "Tracking for {order}",
                          "{order} hasn't shipped", "Package not arrived"),
    "damaged_item": ("Damaged item in order {order}", "Order {order} arrived damaged", "Broken zipper on my jacket"),
    "wrong_size": ("Exchange for order {order}", "Wrong size - {order}", "Return request {order}", "Sizing exchange"),
    "refund_status": ("Refund for order {order}", "Still waiting on my refund ({order})", "Where is my refund?"),
    "checkout_failed": ("Order {order} checkout failed", "Can't complete checkout", "Payment declined in the app",
                        "Checkout error card_declined"),
    "cancel_order": ("Please cancel order {order}", "Cancel {order}", "Cancellation request"),
    "discount_code": ("Discount code not working", "WELCOME10 code invalid", "Promo code on order {order}"),
    "account_login": ("Can't log in to the app", "Password reset email never arrives", "Account locked"),
    "product_question": ("Question about the Stormline shell", "Sizing question", "Is the base layer itchy?",
                         "Do you ship to Canada?", "Restock date for the puffer?"),
    "address_change": ("Change shipping address for {order}", "Wrong address on order {order}", "Update delivery address"),
}
DESCRIPTIONS = {
    "where_is_my_order": ("Hi,\nI ordered over a week ago ({order}) and tracking hasn't moved since Monday.\nCan you check?",
                          "My order {order} says shipped but nothing arrived.\nThanks",
                          "Hello, any update on {order}? It's a birthday gift."),
    "damaged_item": ("The jacket from {order} arrived with a torn sleeve.\nPhotos attached.",
                     "Hi - the bottle in {order} was dented when I opened the box."),
    "wrong_size": ("The base layer from {order} is too small, can I swap it for a M?\nThank you",
                   "Hi,\nI need to exchange the pants from {order} for a 34."),
    "refund_status": ("I returned {order} two weeks ago and still no refund.\nPlease advise.",
                      "You said my refund for {order} was processed but my bank shows nothing."),
    "checkout_failed": ("Hi,\nmy card was declined twice but charged once.\n{order}",
                        "The app keeps saying payment failed at checkout. Card works everywhere else.",
                        "Checkout spins forever and then errors out."),
    "cancel_order": ("Please cancel {order}, I ordered the wrong color.", "I need to cancel {order} before it ships."),
    "discount_code": ("The code from your newsletter says invalid at checkout.", "I forgot to apply my discount on {order}."),
    "account_login": ("I can't log in to the app, password reset email never comes.", "My account says locked after 3 tries."),
    "product_question": ("Does the Stormline shell run small? I'm usually a M.", "Is the merino base layer itchy?",
                         "When will the packable puffer be back in stock?"),
    "address_change": ("I moved last week, can you change the shipping address on {order}?",
                       "Typo in my address on {order}, the street number is wrong."),
}
SATISFACTION_GOOD = ("Quick refund, thanks", "Very helpful, thank you!", "Solved in minutes", "Great service", None, None, None)
SATISFACTION_BAD = ("Took forever", "Nobody actually read my email", "Still not solved", "Had to contact you three times",
                    "Useless canned replies", None, None)

# --- what people write ------------------------------------------------------------------------
NPS_REASONS = {
    "promoter": ("Fast shipping and the socks are the best I own", "Love the merino stuff, great quality",
                 "Great customer service", "Everything fits perfectly and arrives quickly", "Best hiking gear I've bought",
                 "The beanie is so warm!", "Easy returns, friendly support", "Quality is excellent, worth the price"),
    "passive": ("Good products but a bit pricey", "Shipping could be faster", "Fine overall",
                "Sizing runs small, otherwise good", "App is ok, website is better", "Decent quality"),
    "detractor": ("Refund took 3 weeks", "Checkout kept failing in the app", "Had to contact support three times",
                  "Order arrived damaged and nobody helped", "Terrible experience with returns",
                  "Never received my order and no answer", "Charged twice, still waiting for the money back",
                  "Sizing is all over the place and exchanges are a pain"),
}
MULTILINE_TAILS = ("\nOtherwise happy.", "\n\nThanks", "\nWill buy again.", "\nPlease fix the app.", "\nNot sure I'll order again.")
TWEETS = {
    "negative": ("@northtrail my order {order} still says pending?? {days} days now",
                 "@northtrail charged twice for {order} and no reply to my emails. not cool",
                 "@northtrail your app checkout is broken again. card declined 3 times",
                 "3rd time asking @northtrail where my refund is. {order}",
                 "@northtrail jacket arrived with a hole in it. order {order}. what now?",
                 "Waited 40 min on hold with @northtrail just to get disconnected. Wow."),
    "positive": ("Honestly the merino beanie from @northtrail is the warmest thing I own",
                 "Shoutout to @northtrail support, sorted my exchange in 5 min",
                 "@northtrail trail socks survived 200 miles of the PCT and still going",
                 "New @northtrail fleece just arrived and it's perfect"),
    "neutral": ("@northtrail do you ship to Canada?", "@northtrail when is the puffer back in stock?",
                "@northtrail is there a student discount?", "Trying the @northtrail rain shell this weekend, will report"),
}
FB_COMMENTS = {
    "negative": ("Where is my refund? Ordered 2 weeks ago.", "Still waiting for order {order}, no updates at all",
                 "Your app won't let me check out. Fix it please", "Second jacket with a broken zipper. Disappointed.",
                 "Customer service never answers the phone"),
    "positive": ("Love these socks 🧦", "Best fleece I've ever owned!", "Great quality, fast shipping 👍",
                 "Just got my order, super happy", "The beanie is amazing 😍"),
    "neutral": ("Do you have this in green?", "Will there be a Black Friday sale?", "What size should I get, I'm 5'6\"?",
                "Is the store in Austin open on Sundays?", "Any restock of the vest coming?"),
}
REVIEWS = {
    1: ("Checkout keeps failing, \"card declined\" but bank says fine", "App crashes when I open my orders",
        "Can't log in since the update", "Useless. Payment fails every time."),
    2: ("Slow and buggy, website works better", "Notifications spam, checkout sometimes fails",
        "Order tracking never updates"),
    3: ("Okay app, could be faster", "Fine for browsing, sizes hard to find", "Decent but logs me out a lot"),
    4: ("Good app, easy to order", "Works well, wish there was a wishlist", "Nice design, quick checkout"),
    5: ("Love it! Fast and easy", "Super App, schnelle Lieferung.", "Świetna aplikacja, szybka dostawa",
        "Best outdoor shop app", "Easy reorders of my favourite socks"),
}
DEVELOPER_REPLIES = ("Sorry! Please contact support@northtrail.example", "Thanks for the feedback! We fixed checkout in 4.1.3.",
                     "Sorry about that - please update to the latest version and reach out if it persists.",
                     "Thank you for the kind words!")
ANDROID_DEVICES = (("oriole", "Pixel 6", "Google", "google"), ("panther", "Pixel 7", "Google", "google"),
                   ("a52q", "SM-A525F", "Samsung", "samsung"), ("beyond1", "SM-G973F", "Samsung", "samsung"),
                   ("dm3q", "SM-S918U", "Samsung", "samsung"), ("OnePlus8T", "KB2005", "OnePlus", "OnePlus"),
                   ("starqltesq", "SM-G960U", "Samsung", "samsung"), ("lynx", "Pixel 7a", "Google", "google"))
IOS_DEVICES = (("iPhone15,2", "Apple iPhone 14 Pro"), ("iPhone14,5", "Apple iPhone 13"), ("iPhone16,1", "Apple iPhone 15 Pro"),
               ("iPhone13,2", "Apple iPhone 12"), ("iPhone14,7", "Apple iPhone 14"), ("iPad13,18", "Apple iPad"))
APP_VERSIONS = (("4.0.0", "400", "2024-05-20"), ("4.0.2", "402", "2024-07-02"), ("4.1.0", "410", "2024-08-26"),
                ("4.1.2", "412", "2024-10-01"), ("4.1.3", "413", "2024-11-12"))
CARRIERS = {"US": ("T-Mobile", "Verizon", "AT&T"), "CA": ("Rogers", "Bell", "Telus"), "GB": ("EE", "Vodafone UK", "O2 - UK"),
            "PL": ("Orange", "Play", "Plus"), "DE": ("Telekom.de", "Vodafone.de", "o2 - de")}
COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "PL": "Poland", "DE": "Germany"}
LANGUAGES = {"US": "en", "CA": "en", "GB": "en", "PL": "pl", "DE": "de"}
