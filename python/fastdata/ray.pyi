# Type stubs of fastdata.ray (ray is optional: its types are Any here).
from typing import Any, Literal, Mapping, Optional, Sequence, Union

from . import Columns, Shard, Sources

def FastdataDatasource(shards: Sequence[Shard], **options: Any) -> Any: ...

def read_parquet(sources: Sources, columns: Optional[Columns] = ...,
                 filters: Union[None, str, Sequence[Any]] = ..., shard_bytes: Optional[int] = ...,
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
                 path_style: bool = ..., timeout: Optional[float] = ...,
                 **read_args: Any) -> Any: ...
