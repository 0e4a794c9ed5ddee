"""Word lists and weights the synthetic company draws from: firms, names, titles, countries, channels."""

from __future__ import annotations

VENDOR_NAME = "Northwind Data"
VENDOR_DOMAIN = "northwind-data.example"
SITE = "https://www.northwind-data.example"

# Industries with their share of accounts; the ideal-customer profile is software, fintech and healthcare.
INDUSTRIES: dict[str, float] = {
    "software": 18, "fintech": 8, "healthcare": 10, "retail": 10, "manufacturing": 12, "education": 7,
    "government": 5, "media": 7, "logistics": 7, "professional_services": 8, "telecom": 4, "nonprofit": 4,
}
STRONG_INDUSTRIES = frozenset({"software", "fintech", "healthcare"})

# Country → (share of accounts, calling code, UTC offset in hours used to place office hours, ccTLD).
COUNTRIES: dict[str, tuple[float, str, int, str | None]] = {
    "US": (38, "+1", -6, None), "CA": (6, "+1", -5, "ca"), "GB": (10, "+44", 0, "co.uk"),
    "DE": (8, "+49", 1, "de"), "FR": (6, "+33", 1, "fr"), "NL": (4, "+31", 1, "nl"),
    "ES": (2, "+34", 1, "es"), "SE": (2, "+46", 1, "se"), "IN": (8, "+91", 5, "in"),
    "AU": (5, "+61", 10, "com.au"), "SG": (3, "+65", 8, "sg"), "JP": (3, "+81", 9, "jp"),
    "BR": (5, "+55", -3, "com.br"),
}
GENERIC_TLDS: dict[str, float] = {"com": 70, "io": 12, "co": 6, "ai": 4, "tech": 3, "net": 5}

# Firm names are prefix + suffix (+ an extra word for later tiers); together they index over a million
# unique names, so chunks of a streaming run never collide without sharing state.
FIRM_PREFIXES = """
bright blue north iron clear swift silver golden red green amber cobalt crimson violet indigo copper
granite maple cedar pine oak willow river lake ocean harbor summit peak valley meadow prairie canyon
desert arctic polar solar lunar star nova orbit atlas apex vertex zenith echo pulse signal beacon
lantern compass anchor keystone corner bridge gate tower castle fort haven shelter urban metro civic
royal noble prime true bold brave keen quick rapid steady calm quiet loud wild free open hidden deep
high wide far near fair grand great little mighty modern future next first last alpha beta gamma delta
sigma omega tera giga nimbus cirrus stratus aurora boreal tidal coral pearl jade onyx ruby sapphire
emerald topaz opal quartz flint slate basalt obsidian ember blaze spark flare glow lumen photon fusion
""".split()
FIRM_SUFFIXES = """
forge works labs loop wave point path field line craft logic mind sense sight base core hub grid
nest yard mill port dock bay ridge crest stone wood leaf root seed bloom sprout shift stream flow
scale frame form shape mark sign spot tap lift rise bird wing fox wolf bear hawk owl lynx
tide wind fire frost light beam ray dash bolt byte bit cloud node mesh link chain wire
spire sail keel helm mast quay vale glen moor fen brook ford well spring fall dale hollow reach bound
smith ware gram scope verse vault arc axis
""".split()
FIRM_EXTRAS = """hq labs group systems global digital tech partners solutions one ventures analytics
software networks industries holdings studio collective health finance retail logistics media""".split()
LEGAL_SUFFIX = {"US": "Inc.", "CA": "Inc.", "GB": "Ltd", "DE": "GmbH", "FR": "SAS", "NL": "B.V.",
                "AU": "Pty Ltd", "IN": "Pvt Ltd", "BR": "Ltda", "ES": "S.L.", "SE": "AB", "SG": "Pte Ltd",
                "JP": "K.K."}

# Rivals: their staff read everything and price-check; firmographically they look like ideal customers.
COMPETITORS: tuple[tuple[str, str], ...] = (
    ("Pipewise", "pipewise.io"), ("Querylane", "querylane.com"),
    ("Stackmetric", "stackmetric.com"), ("Lakeshore Analytics", "lakeshore-analytics.com"),
)
FREEMAIL = {"gmail.com": 55, "outlook.com": 14, "yahoo.com": 10, "hotmail.com": 8, "icloud.com": 6,
            "proton.me": 3, "gmx.de": 2, "web.de": 2}

FIRST_NAMES = """
James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Sandra Steven
Ashley Paul Emily Andrew Donna Joshua Michelle Kevin Carol Brian Amanda George Melissa Timothy Deborah
Ronald Stephanie Jason Rebecca Ryan Laura Jacob Sharon Gary Cynthia Nicholas Kathleen Eric Amy Jonathan
Angela Priya Arjun Ananya Rahul Aisha Vikram Deepa Rohan Kavya Sanjay Meera Lukas Hannah Felix Lea Jonas
Sophie Max Emma Leon Mia Pierre Camille Louis Chloe Hugo Manon Jules Ines Lars Sanne Daan Femke Sven
Astrid Erik Ingrid Oliver Amelia Harry Isla Jack Ava Noah Olivia Liam Charlotte Ethan Grace Lucas
Zoe Mateo Sofia Gabriel Valentina Rafael Julia Pedro Ana Thiago Beatriz Yuki Haruto Sakura Kenji Aoi
Wei Mei Jun Lin Chen Hui Omar Fatima Ali Layla Hassan Noor Diego Lucia Carlos Elena Javier Carmen
""".split()
LAST_NAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez
Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker
Hall Rivera Campbell Mitchell Carter Roberts Patel Sharma Gupta Singh Kumar Reddy Iyer Nair Mehta Shah
Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Dubois Laurent Bernard
Moreau Lefebvre Leroy Girard Bonnet Dupont Jansen DeVries Bakker Visser Smit Meijer Andersson Johansson
Karlsson Nilsson Larsson Eriksson Murphy Kelly OBrien Byrne Walsh Evans Hughes Edwards Morgan Cooper
Silva Santos Oliveira Souza Costa Pereira Ferreira Almeida Tanaka Suzuki Takahashi Watanabe Ito
Yamamoto Wang Zhang Liu Chen Yang Huang Zhao Wu Kim Park Choi Khan Ahmed Hussain Fernandez Romero
Navarro Castro Ortiz Morales Novak Kowalski Horvat Rossi Russo Bianchi Romano Colombo Ricci
""".split()

DEPARTMENTS: dict[str, float] = {"engineering": 24, "data": 14, "it": 14, "marketing": 12, "sales": 10,
                                 "finance": 9, "operations": 11, "hr": 6}
SENIORITIES: dict[str, float] = {"ic": 46, "manager": 24, "director": 16, "vp": 9, "cxo": 5}
# Title templates per (seniority, department); the cxo titles do not depend on the department.
DEPARTMENT_NOUNS = {"engineering": "Engineering", "data": "Data", "it": "IT", "marketing": "Marketing",
                    "sales": "Sales", "finance": "Finance", "operations": "Operations", "hr": "People"}
IC_TITLES = {
    "engineering": ["Software Engineer", "Senior Software Engineer", "Platform Engineer", "Backend Engineer"],
    "data": ["Data Engineer", "Analytics Engineer", "Data Analyst", "Senior Data Scientist"],
    "it": ["Systems Administrator", "IT Specialist", "Cloud Engineer", "Security Analyst"],
    "marketing": ["Marketing Specialist", "Content Marketer", "Growth Marketer"],
    "sales": ["Account Executive", "Sales Development Representative", "Solutions Consultant"],
    "finance": ["Financial Analyst", "Accountant", "FP&A Analyst"],
    "operations": ["Operations Analyst", "Business Analyst", "Project Coordinator"],
    "hr": ["Recruiter", "HR Generalist", "People Partner"],
}
CXO_TITLES = {"engineering": "CTO", "data": "Chief Data Officer", "it": "CIO", "marketing": "CMO",
              "sales": "Chief Revenue Officer", "finance": "CFO", "operations": "COO", "hr": "Chief People Officer"}
STUDENT_TITLES = ["Student", "MSc Student", "Data Science Student", "PhD Candidate", "Intern",
                  "Computer Science Student", "Graduate Student"]
JOB_SEEKER_TITLES = ["Open to work", "Data Engineer (seeking new role)", "Aspiring Data Analyst",
                     "Looking for opportunities", "Senior Data Engineer", "Analytics Manager", None]
CONSULTANT_TITLES = ["Consultant", "Senior Consultant", "Principal Consultant", "Independent Data Consultant",
                     "Managing Consultant", "Freelance Data Engineer"]
UNIVERSITIES = ["Northfield University", "Lakeside Institute of Technology", "Westbrook College",
                "Eastvale State University", "Kingsbridge University", "Riverside Polytechnic"]

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:129.0) Gecko/20100101 Firefox/129.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Mobile Safari/537.36",
]
