# cmake -DSDK=<build>/sdk -DSRC=<example> -DOUT=<dir> -P VosSdkExample.cmake:
# configure and build the docs/userland.md example against the exported SDK,
# exactly as the document tells a user to (the sdk-example test).
file(REMOVE_RECURSE ${OUT}) # a cache from an earlier attempt would keep its flags
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${OUT} --toolchain ${SDK}/toolchain.cmake -G Ninja
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the example failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the example failed")
endif()
message(STATUS "sdk-example: built ${OUT}/greet")
