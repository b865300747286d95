# Fails when a fuzz target starts with fewer than MIN coverage counters: libFuzzer prints
# "INFO: Loaded N modules (M inline 8-bit counters)"; a few dozen means the library under
# test was built without -fsanitize=fuzzer-no-link and the fuzzer mutates blind.
execute_process(COMMAND ${FUZZER} -runs=0 OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
if(NOT out MATCHES "Loaded [0-9]+ modules +\\(([0-9]+) inline 8-bit counters\\)")
  message(FATAL_ERROR "${FUZZER}: no 'inline 8-bit counters' line in its output (exit ${rc}):\n${out}")
endif()
set(n ${CMAKE_MATCH_1})
if(n LESS MIN)
  message(FATAL_ERROR "${FUZZER}: ${n} coverage counters, fewer than ${MIN}: the library is not instrumented")
endif()
message(STATUS "${FUZZER}: ${n} coverage counters")
