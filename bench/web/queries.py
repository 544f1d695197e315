"""Write a wrk Lua script that cycles through search queries (URL-encoded):
what people type while the suggestions come — word beginnings, whole names,
missing diacritics, one typo — for the embedded dataset or the synthetic
national register.   python3 queries.py embedded|national OUT.lua"""
import sys
import urllib.parse

EMBEDDED = ["Gl", "Glu", "Gluda", "Glūdas pag.", "Ele", "Eleja", "Elejas pagasts", "Vilce", "vilces", "Sesava",
            "Ozoln", "Ozolnieki", "Kalnciems", "Kalnciema", "Līvbērze", "livberze", "Zaļenieki", "zalenieku",
            "Platone", "Svēte", "Vircava", "Valgunde", "Salgale", "Cenas", "Jaunsvirlauka", "biblioteka",
            "bibliotēka Elejā", "KAC", "klientu", "Nākotne", "Zemgale", "Lielplatone", "Glida", "Vilcse"]
NATIONAL = ["Oz", "Ozo", "Ozoli", "Jaunozoli", "Lejas Ozoli", "Lie", "Liepas", "Bērzi", "berzi", "Berzii",
            "Priedes", "Rīgas iela", "rigas iela 12", "Skolas iela 3", "Dzirnavu", "Zemgaļi", "zemgali",
            "Kalna Ozoli", "Vecliepas", "Mazie Oši", "Saulītes", "Dzērves", "Stārķi 3", "Ezermaļi",
            "Rūķīši", "rukisi", "Upmali", "Ceriņi", "Vālodzes", "valodzes", "Ozolniek", "Gluda", "Eleja", "Vilce"]

queries = EMBEDDED if sys.argv[1] == "embedded" else NATIONAL
lines = ["local qs = {"] + [f'  "{urllib.parse.quote(q)}",' for q in queries] + ["}",
    "local i = 0",
    "request = function()",
    "  i = i % #qs + 1",
    '  return wrk.format("GET", "/api/v1/search?limit=6&q=" .. qs[i])',
    "end"]
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
