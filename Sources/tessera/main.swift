import TesseraText
print(Normalizer.normalize("  Ｈｅｌｌｏ\u{200B}   wörld\t! "))
