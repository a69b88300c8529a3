// Items are edited as raw JSON everywhere in this module; the lossless JSON value type is part of its API.
@_exported import LosslessJSON
