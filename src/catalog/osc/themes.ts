// The six OSC themes: their catalog fields (copied from the real catalog) and a generated preview image.

/** One OSC theme as its catalog describes it. */
export interface OscTheme {
  /** Theme id = folder name under themes/. */
  id: string;
  title: string;
  description: string;
  /** `via` link (title "Description") to the definition of the theme. */
  via: string;
  /** File name of the preview image beside catalog.json. */
  image: string;
  /** `updated` of the real theme catalog. */
  updated: string;
}

/**
 * The six themes of the OSC (ESA-EarthCODE/open-science-catalog-metadata themes/<id>/catalog.json), in id order.
 * Field values are the real ones; theme concepts in `themes` must name one of these ids.
 */
export const OSC_THEMES: readonly OscTheme[] = [
  {
    id: "atmosphere",
    title: "Atmosphere",
    description:
      "The gaseous envelope surrounding the Earth in a several kilometers-thick layer. The atmosphere is a gaseous envelope surrounding and protecting our planet from the intense radiation of the Sun and serves as a key interface between the terrestrial and ocean cycles. Although it only extends a few hundred kilometers above the surface, it contains a mixture of gases, such as oxygen and nitrogen, that are critical for life to exist. It distributes incoming solar radiation, protecting life from harmful ultraviolet radiation but also driving atmospheric circulation and weather. The atmosphere enables the greenhouse effect, which makes Earth more habitable. Human activity, however, is contributing more gases, many of which are negatively impacting the protective nature of this vital layer. (source: https://www.eionet.europa.eu/gemet/en/concept/617; https://www.earthdata.nasa.gov/topics/atmosphere)",
    via: "https://www.eionet.europa.eu/gemet/en/concept/617",
    image: "EO_Atmosphere.webp",
    updated: "2024-08-27T17:27:42.198831Z",
  },
  {
    id: "cryosphere",
    title: "Cryosphere",
    description:
      "The cryosphere is the part of the Earth's climate system that includes solid precipitation, snow, sea ice, lake and river ice, icebergs, glaciers and ice caps, ice sheets, ice shelves, permafrost, and seasonally frozen ground. The term \"cryosphere\" traces its origins to the Greek word 'kryos' for frost or ice cold. The cryosphere extends globally, existing seasonally or perennially at most latitudes, not just in the Arctic, Antarctic, and mountain regions, and in approximately one hundred countries. Approximately 70% of the Earth's freshwater exists as snow or ice. Snow and ice data are required for weather and climate research and applications. As the cryosphere changes due to climate change, this has major impacts on society, on the availability of freshwater resources, agriculture, transportation, safety and security, hydropower production, recreation, increasing the risk of floods and droughts, and affecting the viability of ecosystems. Most people on Earth depend directly or indirectly on the cryosphere. For example, as all major rivers originate from mountains, the mountain cryosphere plays an important role in providing and regulating freshwater resources for around half of the world's population, including for those living in lowland areas, such as the Ganges-Brahmaputra Delta. Furthermore, alterations and loss of critical snow and ice are increasing the risk of related disasters (WMO). The cryosphere collectively describes all forms of frozen water at the Earth's surface - sea ice, ice sheets, ice caps, glaciers, snow cover, river and lakeice, permafrost, seasonally frozen ground and solid precipitation. It is an important component in the context of climate change as it affects and is affected by changes in temperature. In particular, glaciers, the Greenland ice sheet, polar and mountain permafrost and Arctic sea-ice are expected to be dramatically altered by climate change. A variety of national and international projects and programmes are monitoring changes in the cryosphere and analysing how these changes will develop in the future. They are also looking at the effects of these changes. (source: https://climate-adapt.eea.europa.eu)",
    via: "https://climate-adapt.eea.europa.eu/en/knowledge/adaptation-information/observations-and-scenarios/cryosphere#:~:text=The%20cryosphere%20collectively%20describes%20all%20forms%20of%20frozen,lakeice%2C%20permafrost%2C%20seasonally%20frozen%20ground%20and%20solid%20precipitation.",
    image: "EO_Cryosphere.webp",
    updated: "2024-08-27T17:27:42.199831Z",
  },
  {
    id: "land",
    title: "Land",
    description:
      "A specified geographical tract of the Earth's surface including all its attributes, comprising its geology, superficial deposits, topography, hydrology, soils, flora and fauna, together with the results of past and present human activity, to the extent that these attributes exert a significant influence on the present and future land utilization. (source: https://www.eionet.europa.eu/gemet/en/concept/4599)",
    via: "https://www.eionet.europa.eu/gemet/en/concept/4599",
    image: "EO_Land.webp",
    updated: "2024-08-27T17:27:42.200831Z",
  },
  {
    id: "magnetosphere-ionosphere",
    title: "Magnetosphere_Ionosphere",
    description:
      "The magnetosphere is the region of space surrounding Earth where the dominant magnetic field is the magnetic field of Earth, rather than the magnetic field of interplanetary space. The magnetosphere is formed by the interaction of the solar wind with Earth's magnetic field. The Ionosphere is a region of the earth's atmosphere, extending from about 60 to 1000 kilometers above the Earth's surface, in which there is a high concentration of free electrons formed as a result of ionizing radiation entering the atmosphere from space.  The ionosphere is important because it reflects and modifies radio waves used for communication and navigation. Other phenomena such as energetic charged particles and cosmic rays also have an ionizing effect and can contribute to the ionosphere. (source: https://www.eionet.europa.eu/gemet/en/concept/4492; https://www.swpc.noaa.gov/phenomena/earths-magnetosphere; https://www.swpc.noaa.gov/phenomena/ionosphere)",
    via: "https://www.eionet.europa.eu/gemet/en/concept/4492",
    image: "EO_Magnetosphere_Ionosphere.webp",
    updated: "2024-08-27T17:27:42.201831Z",
  },
  {
    id: "oceans",
    title: "Oceans",
    description:
      "Ocean is defined as the mass of water occupying all of the Earth's surface not occupied by land, but excluding all lakes and inland seas. Covering some 70% of the Earthss surface, the ocean is a major driver of the world's weather and climate. It also plays a central role in climate change. The ocean is also a major driver of the global economy, carrying more than 90% of world trade and sustaining the 40% of humanity that lives within 100 km of the coast. Today, the growing impacts of climate change are making ocean observations, research and services more critical than ever before (source: https://www.eionet.europa.eu/gemet/en/concept/5789; https://public.wmo.int/en/our-mandate/focus-areas/oceans). ",
    via: "https://www.eionet.europa.eu/gemet/en/concept/5789",
    image: "EO_Oceans.webp",
    updated: "2024-08-27T17:27:42.202831Z",
  },
  {
    id: "solid-earth",
    title: "Solid Earth",
    description:
      "Solid Earth refers to the crust, mantle and core. Because these parts of our world are completely hidden from view, understanding what is going on deep below our feet can only be done by using indirect measurements. A thorough understanding of the 'solid Earth' system is essential for deciphering the links between processes occurring deep inside Earth and those occurring nearer the surface that lead to seismic activity such as earthquakes and volcanic eruptions, the rise of mountains and the location of underground natural resources.",
    via: "https://en.wikipedia.org/wiki/Solid_earth",
    image: "EO_Solid_Earth.webp",
    updated: "2024-08-27T17:27:42.203831Z",
  },
];

/** The theme ids, for schemas and messages. */
export const OSC_THEME_IDS: readonly string[] = OSC_THEMES.map((t) => t.id);

/** Height and width (proj:shape order) of the preview images written by `catalog init`. */
export const PREVIEW_SHAPE: [number, number] = [1080, 1920];

/**
 * Preview images written by `catalog init`: a 1920x1080 lossless WebP in one colour per theme, base64.
 * Made by test/catalog/osc/make-theme-previews.py (Pillow); the real pictures are not redistributed.
 */
export const THEME_PREVIEWS: Readonly<Record<string, string>> = {
  atmosphere:
    "UklGRnwAAABXRUJQVlA4TG8AAAAvf8cNAQdQ5x52vf8BAUnS//2BEf3P+M9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Of/vQAA",
  cryosphere:
    "UklGRnwAAABXRUJQVlA4TG8AAAAvf8cNAQdQ+IL3v/8BAUnS//2BEf3P+M9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Of/vQAA",
  land: "UklGRnwAAABXRUJQVlA4TG8AAAAvf8cNAQdQx651pP8BAUnS//2BEf3P+M9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Of/vQAA",
  "magnetosphere-ionosphere":
    "UklGRnwAAABXRUJQVlA4TG8AAAAvf8cNAQfQniJ1sf8BAUnS//2BEf3P+M9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Of/vQAA",
  oceans:
    "UklGRnoAAABXRUJQVlA4TG4AAAAvf8cNAQfQtChl/wMCkqT/+wMj+p/xn//85z//+c9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z/97AQ==",
  "solid-earth":
    "UklGRnwAAABXRUJQVlA4TG8AAAAvf8cNAQdQrS52pf8BAUnS//2BEf3P+M9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Oc///nPf/7zn//85z//+c9//vOf//znP//5z3/+85///Of/vQAA",
};
