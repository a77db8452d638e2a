# ghl_module(NAME SOURCES ... DEPS ...): one static library per module, public headers in
# include/ghl/<module>, private headers beside the sources.
function(ghl_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ghl_${name} STATIC ${ARG_SOURCES})
  target_include_directories(ghl_${name} PUBLIC ${CMAKE_SOURCE_DIR}/include
                                         PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(ghl_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# ghl_test(NAME SOURCES ... DEPS ... LABELS ...): a GoogleTest binary registered with CTest.
function(ghl_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}"
                       ENVIRONMENT "GHL_SHARED_DIR=${GHL_SHARED_DIR};GHL_SOURCE_DIR=${CMAKE_SOURCE_DIR};GHL_BINARY_DIR=${CMAKE_BINARY_DIR}"
                       DISCOVERY_TIMEOUT 30)
endfunction()
