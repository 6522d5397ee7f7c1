# cmake -DCC= -DTARGET= -DFLAGS= -DNEWLIB= -DSRC= -P missing-header.cmake:
# compile SRC as a user program is compiled (-v lists the include search
# path); it must fail on the missing header, with newlib's include directory
# searched and no host directory (/usr/include, /usr/local/include).
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
execute_process(COMMAND ${CC} --target=${TARGET} ${flags} -isystem ${NEWLIB} -v -c ${SRC} -o /dev/null
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${out}")
string(REGEX MATCH "search starts here:\n(.*)End of search list" search "${out}")
set(search "${CMAKE_MATCH_1}")
if(rc EQUAL 0)
  message(FATAL_ERROR "missing-header: a program including <sys/epoll.h> compiled")
endif()
if(NOT out MATCHES "'sys/epoll.h' file not found")
  message(FATAL_ERROR "missing-header: the compiler did not name the missing header")
endif()
string(FIND "${search}" "${NEWLIB}" at)
if(at LESS 0)
  message(FATAL_ERROR "missing-header: the platform's include path ${NEWLIB} is not in the search list")
endif()
if(search MATCHES "(^|\n) */usr(/local)?/include *\n")
  message(FATAL_ERROR "missing-header: a host include directory is searched:\n${search}")
endif()
message(STATUS "missing-header: refused, searched only the platform's headers")
