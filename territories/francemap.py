"""The map of France's départements, drawn from pygal-maps-fr's SVG.

The geometry is read from the installed package (LGPL, so it stays there
rather than being copied into the repository) and parsed once per process.
Each page then builds a fresh SVG from that geometry: the parsed shapes are
shared between requests and must never be mutated.
"""

import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files

SVG_NS = "http://www.w3.org/2000/svg"
SOURCE = files("pygal_maps_fr") / "fr.departments.svg"

# Colour classes by number of territories (styled in portal.css, since the
# Content Security Policy forbids inline styles): 0, 1, 2-3, 4 and more.
COUNT_CLASSES = ((4, "portal-map__dept--4"), (2, "portal-map__dept--2"), (1, "portal-map__dept--1"))
EMPTY_CLASS = "portal-map__dept--0"


@dataclass(frozen=True)
class Shape:
    code: str
    path: str


@dataclass(frozen=True)
class Geometry:
    view_box: str
    # (group id, transform, shapes): mainland, the Paris inset, overseas.
    groups: tuple[tuple[str, str, tuple[Shape, ...]], ...]

    @property
    def codes(self) -> set[str]:
        return {shape.code for _, _, shapes in self.groups for shape in shapes}


def _tag(name: str) -> str:
    return f"{{{SVG_NS}}}{name}"


@functools.cache
def geometry() -> Geometry:
    root = ET.fromstring(SOURCE.read_bytes())
    groups = []
    for group in root.findall(_tag("g")):
        shapes = []
        for item in group.findall(_tag("g")):
            # The département is named by its first class, e.g. "z2A departement".
            code = item.get("class", "").split()[0].removeprefix("z")
            shapes.extend(Shape(code, path.get("d")) for path in item.iter(_tag("path")))
        groups.append((group.get("id", ""), group.get("transform", ""), tuple(shapes)))
    return Geometry(view_box=root.get("viewBox"), groups=tuple(groups))


def count_class(count: int) -> str:
    for threshold, css_class in COUNT_CLASSES:
        if count >= threshold:
            return css_class
    return EMPTY_CLASS


def map_svg(
    *,
    counts: Mapping[str, int],
    names: Mapping[str, str],
    link: Callable[[str], str],
    label: Callable[[str, int], str],
    selected: str = "",
) -> str:
    """The SVG markup, each département coloured by its count and, when it has
    territories, wrapped in a link titled ``label(name, count)``.

    The SVG is hidden from assistive technologies (and its links kept out of
    the tab order): the table of départements beside it is the equivalent.
    """
    data = geometry()
    svg = ET.Element(
        _tag("svg"),
        {
            "viewBox": data.view_box,
            "class": "portal-map__svg",
            "aria-hidden": "true",
            "focusable": "false",
        },
    )
    for group_id, transform, shapes in data.groups:
        attributes = {"id": f"carte-{group_id}"} if group_id else {}
        if transform:
            attributes["transform"] = transform
        group = ET.SubElement(svg, _tag("g"), attributes)
        for shape in shapes:
            count = counts.get(shape.code, 0)
            css_class = f"portal-map__dept {count_class(count)}"
            if shape.code == selected:
                css_class += " portal-map__dept--selected"
            parent = group
            if count:
                parent = ET.SubElement(
                    group, _tag("a"), {"href": link(shape.code), "tabindex": "-1"}
                )
                title = ET.SubElement(parent, _tag("title"))
                title.text = label(names.get(shape.code, shape.code), count)
            ET.SubElement(parent, _tag("path"), {"d": shape.path, "class": css_class})
    # ElementTree's namespace prefixes are process-wide and other code (the
    # qrcode package behind the TOTP set-up) registers "svg:" for this
    # namespace: without re-asserting the default one, the map would come out
    # as <svg:svg>, which browsers do not draw inline.
    ET.register_namespace("", SVG_NS)
    return ET.tostring(svg, encoding="unicode")
