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
# Nothing when GHL_BUILD_TESTS is OFF (the fuzz build).
function(ghl_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT GHL_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 30)
  # The environment cannot go through PROPERTIES above: CMake 3.25's GoogleTestAddTests splits
  # every ';' of the property values, so only the first variable would arrive. A test include
  # file, read by ctest after the discovered tests, sets the whole list on each of them.
  set(env_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_env.cmake")
  file(WRITE "${env_file}"
       "if(DEFINED ${name}_TESTS)\n"
       "  set_tests_properties(\${${name}_TESTS} PROPERTIES ENVIRONMENT [==["
       "GHL_SHARED_DIR=${GHL_SHARED_DIR};GHL_SOURCE_DIR=${CMAKE_SOURCE_DIR};"
       "GHL_BINARY_DIR=${CMAKE_BINARY_DIR}]==])\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${env_file}")
endfunction()
