# Find a Python 3 that can run the generator (needs jinja2 and yaml).
# Sets VOS_PYTHON.  Fails configuration with the Debian package names otherwise.
set(_vos_candidates)
if(VOS_PYTHON)
  list(APPEND _vos_candidates ${VOS_PYTHON})
endif()
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  list(APPEND _vos_candidates ${Python3_EXECUTABLE})
endif()
list(APPEND _vos_candidates /usr/bin/python3)
unset(VOS_PYTHON CACHE)
foreach(py IN LISTS _vos_candidates)
  execute_process(COMMAND ${py} -c "import jinja2, yaml"
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(_rc EQUAL 0)
    set(VOS_PYTHON ${py} CACHE FILEPATH "Python 3 with jinja2 and yaml, runs codegen/")
    break()
  endif()
endforeach()
if(NOT VOS_PYTHON)
  message(FATAL_ERROR
    "No Python 3 with the 'jinja2' and 'yaml' modules was found (tried: ${_vos_candidates}).\n"
    "Install them from Debian:  apt-get install python3-jinja2 python3-yaml\n"
    "(or run tools/setup.sh, which does it for you).")
endif()
message(STATUS "Generator Python: ${VOS_PYTHON}")
