"""Brand pools of the demo catalog, one per department.

The names are invented; none is meant to be a real trademark. "Northwind Basic" is the
supplier's own label and turns up everywhere, as private labels do.
"""

OWN_LABEL = "Northwind Basic"
ELECTRICAL_BRANDS = (
    OWN_LABEL, "Calder Cable", "Tessline", "Orvane", "Kestrel Controls",
    "Velmar", "Brenwick", "Dunmore", "Ellbrook", "Marlow Electric",
)  # fmt: skip
LIGHTING_BRANDS = (
    OWN_LABEL, "Lumivale", "Brightmoor", "Solvane", "Lucetta",
    "Ardent Light", "Velmar", "Orvane", "Glimford", "Starling Light",
)  # fmt: skip
TOOL_BRANDS = (
    OWN_LABEL, "Haldor", "Stavik", "Grafton Works", "Kovar",
    "Ironbay", "Brenwick", "Tallis", "Ruddock", "Ashgrove Tools",
)  # fmt: skip
FASTENER_BRANDS = (
    OWN_LABEL, "Fastrell", "Boltvik", "Torvik", "Ironbay",
    "Clampton", "Haldor", "Rivetta", "Pinmore", "Ashgrove Tools",
)  # fmt: skip
BOARD_BRANDS = (
    OWN_LABEL, "Gipsaro", "Planvik", "Stenwall", "Calcora",
    "Murrow", "Plasterline", "Boardwick", "Lindholm", "Ashcombe",
)  # fmt: skip
PLUMBING_BRANDS = (
    OWN_LABEL, "Rivanta", "Halcon Flow", "Aquellon", "Pipemark",
    "Tidewell", "Fennick", "Corrana", "Delwyn", "Brookmere",
)  # fmt: skip
PAINT_BRANDS = (
    OWN_LABEL, "Colorvale", "Mattique", "Pigmento", "Tintora",
    "Linden Paints", "Brushwell", "Chalkmoor", "Verity Coatings", "Ochreline",
)  # fmt: skip
CHEMICAL_BRANDS = (
    OWN_LABEL, "Sealvik", "Gipsaro", "Bondara", "Mortec",
    "Stenwall", "Calcora", "Adheron", "Tessmore", "Grantley",
)  # fmt: skip
