// WMTS 1.0.0 documents as XML text: the capabilities (layers, dimensions, tile matrix sets, KVP and RESTful
// operations) and OWS exception reports. Spec: OGC 07-057r7 (WMTS 1.0.0), OGC 06-121r3 (OWS Common 1.1).
import type { BBox } from "../core/gridmapping.js";
import { CRS84_QUAD, WEB_MERCATOR_QUAD, tileResolution, type TileGrid, type TileMatrixSetId } from "./render/tilegrid.js";

/** The deepest TileMatrix the capabilities list (0…WMTS_MAX_ZOOM); GetTile refuses deeper ones. */
export const WMTS_MAX_ZOOM = 20;

/** The tile matrix sets of the service, in the order the capabilities list them. */
export const WMTS_TMS_IDS: readonly TileMatrixSetId[] = ["WorldWebMercatorQuad", "WorldCRS84Quad"];

/** The grid of a tile matrix set identifier, or undefined for an unknown one (case-sensitive, as OGC identifiers). */
export function wmtsGrid(id: string): TileGrid | undefined {
  return id === "WorldWebMercatorQuad" ? WEB_MERCATOR_QUAD : id === "WorldCRS84Quad" ? CRS84_QUAD : undefined;
}

/** Escapes text for XML element content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** A dimension of a layer (07-057r7 §7.2.4.5.1): its values, and the value used when a request gives none. */
export interface WmtsDimension {
  /** Identifier, also the KVP parameter name and the `{identifier}` placeholder of ResourceURL templates. */
  identifier: string;
  title?: string;
  /** Unit of the values (`ISO8601` for time). */
  uom: string;
  /** Value of a request that gives none (`current` for time: the last step). */
  default: string;
  /** True when `current` may be given (time). */
  current: boolean;
  values: string[];
}

/** One layer: a variable of a dataset (`<datasetId>.<varName>`, as xcube names them). */
export interface WmtsLayer {
  identifier: string;
  title: string;
  abstract?: string;
  /** Extent in WGS 84 `[west, south, east, north]`. */
  wgs84Bbox: BBox;
  dimensions: WmtsDimension[];
  /** RESTful tile URL template with `{TileMatrixSet}`, `{TileMatrix}`, `{TileRow}`, `{TileCol}` and dimension placeholders. */
  tileTemplate: string;
  /** Theme (dataset) the layer belongs to. */
  theme: { identifier: string; title: string; abstract?: string };
}

/** xcube's `ServiceProvider` configuration (all fields optional). */
export interface ServiceProviderConfig {
  ProviderName?: string;
  ProviderSite?: string;
  ServiceContact?: {
    IndividualName?: string;
    PositionName?: string;
    ContactInfo?: {
      Phone?: { Voice?: string; Facsimile?: string };
      Address?: {
        DeliveryPoint?: string;
        City?: string;
        AdministrativeArea?: string;
        PostalCode?: string;
        Country?: string;
        ElectronicMailAddress?: string;
      };
    };
  };
}

/** What {@link capabilitiesXml} needs besides the layers. */
export interface CapabilitiesOptions {
  title: string;
  /** Base URL of the server (`http://host:port`, no trailing slash). */
  base: string;
  /** Tile matrix sets listed (and linked from every layer). */
  tmsIds: readonly TileMatrixSetId[];
  serviceProvider?: ServiceProviderConfig;
}

const PIXEL_M = 0.00028; // standardized rendering pixel size (07-057r7 §6.1.1)

/** The `<TileMatrixSet>` element of a grid: levels 0…{@link WMTS_MAX_ZOOM} of 256-px tiles (07-057r7 Annex E.3, E.4). */
function matrixSetXml(grid: TileGrid): string {
  const merc = grid.crs === "EPSG:3857";
  const metersPerUnit = merc ? 1 : (2 * Math.PI * 6378137) / 360;
  const crs = merc ? "urn:ogc:def:crs:EPSG::3857" : "urn:ogc:def:crs:OGC:1.3:CRS84";
  const wkss = merc ? "GoogleMapsCompatible" : "GoogleCRS84Quad";
  const title = merc ? "Google Maps Compatible for the World" : "CRS84 for the World";
  const [x0, y0, x1, y1] = grid.extent;
  const levels: string[] = [];
  for (let z = 0; z <= WMTS_MAX_ZOOM; z++) {
    const scale = (tileResolution(grid, z) * metersPerUnit) / PIXEL_M;
    levels.push(
      `<TileMatrix><ows:Identifier>${z}</ows:Identifier><ScaleDenominator>${scale}</ScaleDenominator><TopLeftCorner>${x0} ${y1}</TopLeftCorner><TileWidth>256</TileWidth><TileHeight>256</TileHeight><MatrixWidth>${grid.cols0 * 2 ** z}</MatrixWidth><MatrixHeight>${grid.rows0 * 2 ** z}</MatrixHeight></TileMatrix>`,
    );
  }
  return (
    `<TileMatrixSet><ows:Title>${title}</ows:Title><ows:Identifier>${grid.id}</ows:Identifier>` +
    `<ows:BoundingBox crs="${crs}"><ows:LowerCorner>${x0} ${y0}</ows:LowerCorner><ows:UpperCorner>${x1} ${y1}</ows:UpperCorner></ows:BoundingBox>` +
    `<ows:SupportedCRS>${crs}</ows:SupportedCRS><WellKnownScaleSet>urn:ogc:def:wkss:OGC:1.0:${wkss}</WellKnownScaleSet>${levels.join("")}</TileMatrixSet>`
  );
}

function dimensionXml(d: WmtsDimension): string {
  return (
    `<Dimension><ows:Identifier>${xmlEscape(d.identifier)}</ows:Identifier>${d.title ? `<ows:Title>${xmlEscape(d.title)}</ows:Title>` : ""}` +
    `<ows:UOM>${xmlEscape(d.uom)}</ows:UOM><Default>${xmlEscape(d.default)}</Default><Current>${d.current}</Current>` +
    `${d.values.map((v) => `<Value>${xmlEscape(v)}</Value>`).join("")}</Dimension>`
  );
}

function layerXml(l: WmtsLayer, tmsIds: readonly TileMatrixSetId[]): string {
  const [w, s, e, n] = l.wgs84Bbox;
  return (
    `<Layer><ows:Title>${xmlEscape(l.title)}</ows:Title>${l.abstract ? `<ows:Abstract>${xmlEscape(l.abstract)}</ows:Abstract>` : ""}` +
    `<ows:WGS84BoundingBox><ows:LowerCorner>${w} ${s}</ows:LowerCorner><ows:UpperCorner>${e} ${n}</ows:UpperCorner></ows:WGS84BoundingBox>` +
    `<ows:Identifier>${xmlEscape(l.identifier)}</ows:Identifier>` +
    `<Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style><Format>image/png</Format>` +
    `<InfoFormat>application/json</InfoFormat><InfoFormat>text/plain</InfoFormat>` +
    l.dimensions.map(dimensionXml).join("") +
    tmsIds.map((t) => `<TileMatrixSetLink><TileMatrixSet>${t}</TileMatrixSet></TileMatrixSetLink>`).join("") +
    `<ResourceURL format="image/png" resourceType="tile" template="${xmlEscape(l.tileTemplate)}"/></Layer>`
  );
}

function themesXml(layers: WmtsLayer[]): string {
  const byTheme = new Map<string, WmtsLayer[]>();
  for (const l of layers) byTheme.set(l.theme.identifier, [...(byTheme.get(l.theme.identifier) ?? []), l]);
  const themes = [...byTheme.values()].map((ls) => {
    const t = ls[0]!.theme;
    return (
      `<Theme><ows:Title>${xmlEscape(t.title)}</ows:Title>${t.abstract ? `<ows:Abstract>${xmlEscape(t.abstract)}</ows:Abstract>` : ""}<ows:Identifier>${xmlEscape(t.identifier)}</ows:Identifier>` +
      ls
        .map(
          (l) =>
            `<Theme><ows:Title>${xmlEscape(l.title)}</ows:Title><ows:Identifier>${xmlEscape(l.identifier)}</ows:Identifier><LayerRef>${xmlEscape(l.identifier)}</LayerRef></Theme>`,
        )
        .join("") +
      "</Theme>"
    );
  });
  return themes.length > 0 ? `<Themes>${themes.join("")}</Themes>` : "";
}

function operationXml(name: string, urls: Array<[string, string]>): string {
  const gets = urls
    .map(
      ([href, enc]) =>
        `<ows:Get xlink:href="${xmlEscape(href)}"><ows:Constraint name="GetEncoding"><ows:AllowedValues><ows:Value>${enc}</ows:Value></ows:AllowedValues></ows:Constraint></ows:Get>`,
    )
    .join("");
  return `<ows:Operation name="${name}"><ows:DCP><ows:HTTP>${gets}</ows:HTTP></ows:DCP></ows:Operation>`;
}

function serviceProviderXml(sp: ServiceProviderConfig | undefined): string {
  if (!sp) return "";
  const c = sp.ServiceContact;
  const ci = c?.ContactInfo;
  const el = (tag: string, v: string | undefined) => (v ? `<ows:${tag}>${xmlEscape(v)}</ows:${tag}>` : "");
  const phone = ci?.Phone ? `<ows:Phone>${el("Voice", ci.Phone.Voice)}${el("Facsimile", ci.Phone.Facsimile)}</ows:Phone>` : "";
  const a = ci?.Address;
  const address = a
    ? `<ows:Address>${el("DeliveryPoint", a.DeliveryPoint)}${el("City", a.City)}${el("AdministrativeArea", a.AdministrativeArea)}${el("PostalCode", a.PostalCode)}${el("Country", a.Country)}${el("ElectronicMailAddress", a.ElectronicMailAddress)}</ows:Address>`
    : "";
  return (
    `<ows:ServiceProvider><ows:ProviderName>${xmlEscape(sp.ProviderName ?? "")}</ows:ProviderName>` +
    (sp.ProviderSite ? `<ows:ProviderSite xlink:href="${xmlEscape(sp.ProviderSite)}"/>` : "") +
    `<ows:ServiceContact>${el("IndividualName", c?.IndividualName)}${el("PositionName", c?.PositionName)}${phone || address ? `<ows:ContactInfo>${phone}${address}</ows:ContactInfo>` : ""}</ows:ServiceContact></ows:ServiceProvider>`
  );
}

/**
 * The WMTS 1.0.0 capabilities document (07-057r7 §7.1): every layer links every tile matrix set of
 * `options.tmsIds`; operations GetCapabilities, GetTile and GetFeatureInfo in KVP (`/wmts/kvp?`) and RESTful
 * encoding (so OWSLib, which prefers KVP, fills dimensions as KVP parameters; GDAL and QGIS, which prefer
 * the ResourceURL template, fill its `{time}` placeholder with the dimension's Default); `ServiceMetadataURL`
 * is the RESTful capabilities of the same tile matrix sets.
 */
export function capabilitiesXml(layers: WmtsLayer[], options: CapabilitiesOptions): string {
  const { base, tmsIds } = options;
  const restCaps = tmsIds.length === 1 ? `${base}/wmts/1.0.0/${tmsIds[0]}/WMTSCapabilities.xml` : `${base}/wmts/1.0.0/WMTSCapabilities.xml`;
  const kvp = `${base}/wmts/kvp?`;
  const grids = tmsIds.map((t) => wmtsGrid(t)!);
  return `<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wmts/1.0 http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd" version="1.0.0">
<ows:ServiceIdentification><ows:Title>${xmlEscape(options.title)}</ows:Title><ows:Abstract>Web Map Tile Service (WMTS) of the data cubes served by eocube</ows:Abstract><ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion><ows:Fees>none</ows:Fees><ows:AccessConstraints>none</ows:AccessConstraints></ows:ServiceIdentification>
${serviceProviderXml(options.serviceProvider)}<ows:OperationsMetadata>${operationXml("GetCapabilities", [
    [kvp, "KVP"],
    [restCaps, "RESTful"],
  ])}${operationXml("GetTile", [
    [kvp, "KVP"],
    [`${base}/wmts/1.0.0/`, "RESTful"],
  ])}${operationXml("GetFeatureInfo", [[kvp, "KVP"]])}</ows:OperationsMetadata>
<Contents>${layers.map((l) => layerXml(l, tmsIds)).join("\n")}
${grids.map(matrixSetXml).join("\n")}</Contents>
${themesXml(layers)}
<ServiceMetadataURL xlink:href="${xmlEscape(restCaps)}"/>
</Capabilities>
`;
}

/**
 * OWS exception codes (06-121r3 Table 25, 07-057r7 Table 28) with their HTTP status (06-121r3 Table 28):
 * the `exceptionCode` of a KVP error.
 */
export const OWS_EXCEPTION_STATUS = {
  OperationNotSupported: 501,
  MissingParameterValue: 400,
  InvalidParameterValue: 400,
  VersionNegotiationFailed: 400,
  InvalidUpdateSequence: 400,
  OptionNotSupported: 501,
  NoApplicableCode: 500,
  TileOutOfRange: 400,
  PointIJOutOfRange: 400,
} as const;

/** An OWS exception code. */
export type OwsExceptionCode = keyof typeof OWS_EXCEPTION_STATUS;

/** An OWS `ExceptionReport` (06-121r3 §8.5) with one exception; `locator` names the parameter at fault. */
export function exceptionReportXml(code: OwsExceptionCode, text: string, locator?: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/ows/1.1 http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd" version="1.0.0" xml:lang="en">
<ows:Exception exceptionCode="${code}"${locator ? ` locator="${xmlEscape(locator)}"` : ""}><ows:ExceptionText>${xmlEscape(text)}</ows:ExceptionText></ows:Exception>
</ows:ExceptionReport>
`;
}
