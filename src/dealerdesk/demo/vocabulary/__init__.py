"""The demo catalog's vocabulary: eight departments, their branches and leaf grids."""

from dealerdesk.demo.spec import Department
from dealerdesk.demo.vocabulary.cables import CABLES_AND_WIRES, TERMINALS
from dealerdesk.demo.vocabulary.devices import CIRCUIT_PROTECTION, SWITCHES_SOCKETS
from dealerdesk.demo.vocabulary.dry_construction import BOARDS, INSULATION, JOINTING, METAL_PROFILES
from dealerdesk.demo.vocabulary.fasteners import ANCHORS, BOLTS, NAILS, SCREWS, WOOD_CONSTRUCTION
from dealerdesk.demo.vocabulary.installation import CABLE_MANAGEMENT, INSTALLATION_BOXES
from dealerdesk.demo.vocabulary.lighting import LED_LAMPS, LUMINAIRES, OUTDOOR_LIGHTING
from dealerdesk.demo.vocabulary.paints import (
    BRUSHES_ROLLERS,
    DRY_MIXES,
    FACADE_PAINTS,
    INTERIOR_PAINTS,
    SEALANTS,
)
from dealerdesk.demo.vocabulary.plumbing import FITTINGS, PIPES, VALVES
from dealerdesk.demo.vocabulary.tools import BITS_AND_DISCS, HAND_TOOLS, POWER_TOOLS

# ``picto`` and ``colour`` style the generated product images of each department.
DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "EL",
        "Electrical",
        "bolt",
        "#1f5fa8",
        (
            CABLES_AND_WIRES,
            CABLE_MANAGEMENT,
            INSTALLATION_BOXES,
            SWITCHES_SOCKETS,
            TERMINALS,
            CIRCUIT_PROTECTION,
        ),
    ),
    Department("LI", "Lighting", "bulb", "#c98a00", (LED_LAMPS, LUMINAIRES, OUTDOOR_LIGHTING)),
    Department("TO", "Tools", "wrench", "#b8412c", (POWER_TOOLS, HAND_TOOLS, BITS_AND_DISCS)),
    Department(
        "FA",
        "Fasteners",
        "screw",
        "#5c6b73",
        (SCREWS, WOOD_CONSTRUCTION, ANCHORS, BOLTS, NAILS),
    ),
    Department(
        "DC",
        "Dry construction",
        "board",
        "#7a5c3e",
        (BOARDS, METAL_PROFILES, JOINTING, INSULATION),
    ),
    Department("PL", "Plumbing", "pipe", "#16808a", (PIPES, FITTINGS, VALVES)),
    Department(
        "PA",
        "Paints & coatings",
        "bucket",
        "#8e3b8c",
        (INTERIOR_PAINTS, FACADE_PAINTS, BRUSHES_ROLLERS),
    ),
    Department("CH", "Building chemicals", "tube", "#4a7a2a", (SEALANTS, DRY_MIXES)),
)
