# SPDX-License-Identifier: Apache-2.0
# BPF programs of the Linux collectors: compiled with clang for the BPF
# target, CO-RE against the build host's kernel BTF (vmlinux.h, generated
# once), and wrapped in a libbpf skeleton by bpftool.
#
#   epx_bpf_skeleton(<target> <name> <source.bpf.c>)
#     builds <name>.skel.h in ${EPX_BPF_GEN_DIR} and makes <target> depend
#     on it and see the directory.
#
# EPX_BPF_FOUND is ON when clang, bpftool, libbpf and the kernel BTF are
# there; otherwise the collectors build their "unavailable" variant.

include_guard(GLOBAL)

set(EPX_BPF_GEN_DIR ${PROJECT_BINARY_DIR}/bpf)
set(EPX_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH
    "Kernel BTF the BPF programs are compiled against")
find_program(EPX_BPF_CLANG NAMES clang-14 clang)
find_program(EPX_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
find_library(EPX_LIBBPF NAMES libbpf.a bpf)
find_library(EPX_LIBELF NAMES elf)
find_library(EPX_LIBZ NAMES z)
find_path(EPX_LIBBPF_INCLUDE bpf/bpf_helpers.h)

set(EPX_BPF_FOUND OFF)
if(EPX_BPF_CLANG AND EPX_BPFTOOL AND EPX_LIBBPF AND EPX_LIBELF AND EPX_LIBZ
   AND EPX_LIBBPF_INCLUDE AND EXISTS ${EPX_VMLINUX_BTF})
  set(EPX_BPF_FOUND ON)
else()
  message(STATUS "BPF collectors unavailable (need clang-14, bpftool, "
                 "libbpf-dev, libelf-dev, zlib1g-dev and ${EPX_VMLINUX_BTF})")
endif()

if(EPX_BPF_FOUND)
  file(MAKE_DIRECTORY ${EPX_BPF_GEN_DIR})
  add_custom_command(
    OUTPUT ${EPX_BPF_GEN_DIR}/vmlinux.h
    COMMAND ${EPX_BPFTOOL} btf dump file ${EPX_VMLINUX_BTF} format c
            > ${EPX_BPF_GEN_DIR}/vmlinux.h
    COMMENT "Generating vmlinux.h from ${EPX_VMLINUX_BTF}"
    VERBATIM)
  add_library(epx_libbpf INTERFACE)
  target_include_directories(epx_libbpf INTERFACE ${EPX_LIBBPF_INCLUDE})
  target_link_libraries(epx_libbpf INTERFACE ${EPX_LIBBPF} ${EPX_LIBELF}
                        ${EPX_LIBZ})
endif()

function(epx_bpf_skeleton target name source)
  get_filename_component(source_dir ${source} DIRECTORY)
  set(object ${EPX_BPF_GEN_DIR}/${name}.bpf.o)
  set(skeleton ${EPX_BPF_GEN_DIR}/${name}.skel.h)
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${EPX_BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_x86
            -Wall -Werror -I${EPX_BPF_GEN_DIR} -I${source_dir}
            -I${EPX_LIBBPF_INCLUDE} -c ${source} -o ${object}
    DEPENDS ${source} ${EPX_BPF_GEN_DIR}/vmlinux.h
            ${source_dir}/${name}.h
    COMMENT "Compiling BPF program ${name}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND ${EPX_BPFTOOL} gen skeleton ${object} name ${name} > ${skeleton}
    DEPENDS ${object}
    COMMENT "Generating the ${name} skeleton"
    VERBATIM)
  add_custom_target(${name}_skeleton DEPENDS ${skeleton})
  add_dependencies(${target} ${name}_skeleton)
  target_include_directories(${target} PRIVATE ${EPX_BPF_GEN_DIR})
endfunction()
