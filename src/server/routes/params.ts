// Path parameter schemas shared by the route families (one declaration gives the schema and, through the type
// provider, the handler's `request.params` type).

/** `/…/:datasetId/:varName` routes (tiles, legend, time series, statistics): a dataset id and a variable name. */
export const DATASET_VAR_PARAMS = {
  type: "object",
  required: ["datasetId", "varName"],
  properties: { datasetId: { type: "string" }, varName: { type: "string" } },
} as const;
