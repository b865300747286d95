# Type stubs of fastdata.dask (dask is optional: its types are Any here).
from typing import Any, Literal, Mapping, Optional, Sequence, Union

import pandas
import pyarrow

from . import Columns, Shard, Sources

class ShardReader:
    schema: pyarrow.Schema
    dtype_backend: str
    index: Optional[str]
    options: dict[str, Any]
    def __init__(self, schema: pyarrow.Schema, dtype_backend: Literal["pyarrow", "numpy"] = ...,
                 index: Optional[str] = ..., **options: Any) -> None: ...
    def __call__(self, shard: Shard) -> pandas.DataFrame: ...
    def meta(self) -> pandas.DataFrame: ...

def read_parquet(sources: Sources, columns: Optional[Columns] = ...,
                 filters: Union[None, str, Sequence[Any]] = ..., shard_bytes: Optional[int] = ...,
                 dtype_backend: Literal["pyarrow", "numpy"] = ..., index: Optional[str] = ...,
                 partitioning: Optional[Literal["hive", "none"]] = ...,
                 partition_types: Union[None, str, Mapping[str, str]] = ...,
                 schema: Literal["union", "first"] = ...,
                 strings: Literal["plain", "view", "dictionary"] = ...,
                 invalid_utf8: Literal["error", "binary", "replace"] = ...,
                 int96_unit: Literal["s", "ms", "us", "ns"] = ...,
                 threads: Optional[int] = ..., connections: Optional[int] = ...,
                 memory_limit: Optional[int] = ..., part_size: Optional[int] = ...,
                 endpoint: Optional[str] = ..., region: Optional[str] = ...,
                 profile: Optional[str] = ..., no_sign_request: bool = ...,
                 target_gbps: Optional[float] = ..., retries: Optional[int] = ...,
                 stall_timeout: Optional[int] = ..., no_checksums: bool = ...,
                 path_style: bool = ..., timeout: Optional[float] = ...) -> Any: ...
