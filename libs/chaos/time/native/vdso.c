/*
 * Finding the target's vDSO and the three functions to redirect, from the target's own memory
 * (the kernel's vDSO differs between kernels, so nothing about it is assumed at build time).
 */
#define _GNU_SOURCE
#include "time-skew.h"
#if defined(FL_SUPPORTED)

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *const fl_sym_names[FL_SYMS] = {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time"};

static int mem_io(pid_t pid, uint64_t addr, void *buf, size_t len, bool write, char *err) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", pid);
  int fd = open(path, write ? O_WRONLY | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, FL_ERR_LEN, "open %s: %s", path, strerror(errno));
    return errno == ENOENT ? 1 : -1;
  }
  /* One call: a write is either done or not; the helper never leaves half an image behind. */
  ssize_t n = write ? pwrite(fd, buf, len, (off_t)addr) : pread(fd, buf, len, (off_t)addr);
  int e = errno;
  close(fd);
  if (n != (ssize_t)len) {
    snprintf(err, FL_ERR_LEN, "%s %zu bytes at 0x%" PRIx64 " of %s: %s", write ? "pwrite" : "pread", len, addr, path,
             n < 0 ? strerror(e) : "short");
    return -1;
  }
  return 0;
}

int fl_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len, char *err) {
  return mem_io(pid, addr, (void *)buf, len, true, err);
}
int fl_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len, char *err) {
  return mem_io(pid, addr, buf, len, false, err);
}

int fl_read_vdso(pid_t pid, struct fl_vdso *v, char *err) {
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/%d/maps", pid);
  FILE *f = fopen(path, "re");
  if (!f) {
    snprintf(err, FL_ERR_LEN, "no such process");
    return 1;
  }
  v->size = 0;
  while (fgets(line, sizeof line, f)) {
    /* The pathname field must be exactly [vdso]: a file mapped from a path containing "[vdso]" is not it.
     * A line longer than the buffer is a long pathname: its tail is read on and skipped. */
    size_t len = strlen(line);
    if (len == 0 || line[len - 1] != '\n') {
      int c;
      while ((c = fgetc(f)) != EOF && c != '\n') {}
      continue;
    }
    line[len - 1] = 0;
    uint64_t lo, hi;
    int path_at = -1;
    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %n", &lo, &hi, &path_at) == 2 && path_at > 0 &&
        strcmp(line + path_at, "[vdso]") == 0 && hi > lo) {
      v->base = lo;
      v->size = hi - lo;
      break;
    }
  }
  fclose(f);
  if (v->size == 0) {
    snprintf(err, FL_ERR_LEN, "no [vdso] mapping in /proc/%d/maps (a kernel thread, the vDSO disabled, or a process whose main thread has exited)", pid);
    return -1;
  }
  if (v->size > FL_MAX_VDSO) {
    snprintf(err, FL_ERR_LEN, "[vdso] mapping of %" PRIu64 " bytes is larger than %d", v->size, FL_MAX_VDSO);
    return -1;
  }
  return fl_mem_read(pid, v->base, v->bytes, v->size, err);
}

/* Bounds check for a range inside the mapping. */
static bool inside(const struct fl_vdso *v, uint64_t off, uint64_t len) {
  return off <= v->size && len <= v->size - off;
}

int fl_parse_vdso(struct fl_vdso *v, char *err) {
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)v->bytes;
  if (v->size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
      eh->e_machine != EM_X86_64) {
    snprintf(err, FL_ERR_LEN, "the [vdso] mapping is not an x86_64 ELF64 image");
    return -1;
  }
  if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(v, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
      !inside(v, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))) {
    snprintf(err, FL_ERR_LEN, "the vDSO's section or program headers are out of the mapping");
    return -1;
  }
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(v->bytes + eh->e_shoff);
  const Elf64_Phdr *ph = (const Elf64_Phdr *)(v->bytes + eh->e_phoff);

  /* Where the ELF's content ends: everything after it up to the mapping's end is padding. */
  uint64_t end = eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr);
  if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > end) end = eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
  /* Overflow-safe: a section or segment that does not fit the mapping is refused (the target can
   * write its own vDSO; a wrapped sum would otherwise make the padding look larger than it is). */
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type == SHT_NOBITS) continue;
    if (!inside(v, sh[i].sh_offset, sh[i].sh_size)) {
      snprintf(err, FL_ERR_LEN, "the vDSO's section %d is out of the mapping", i);
      return -1;
    }
    if (sh[i].sh_offset + sh[i].sh_size > end) end = sh[i].sh_offset + sh[i].sh_size;
  }
  for (int i = 0; i < eh->e_phnum; i++) {
    if (!inside(v, ph[i].p_offset, ph[i].p_filesz)) {
      snprintf(err, FL_ERR_LEN, "the vDSO's segment %d is out of the mapping", i);
      return -1;
    }
    if (ph[i].p_offset + ph[i].p_filesz > end) end = ph[i].p_offset + ph[i].p_filesz;
  }
  v->content_end = end;

  /* Symbol values are virtual addresses; the first PT_LOAD maps them onto the mapping's offsets. */
  int64_t bias = 0;
  bool have_load = false;
  for (int i = 0; i < eh->e_phnum && !have_load; i++)
    if (ph[i].p_type == PT_LOAD) {
      bias = (int64_t)ph[i].p_vaddr - (int64_t)ph[i].p_offset;
      have_load = true;
    }
  if (!have_load) {
    snprintf(err, FL_ERR_LEN, "the vDSO has no PT_LOAD segment");
    return -1;
  }

  const Elf64_Shdr *dynsym = NULL;
  for (int i = 0; i < eh->e_shnum; i++)
    if (sh[i].sh_type == SHT_DYNSYM) dynsym = &sh[i];
  if (!dynsym || dynsym->sh_link >= eh->e_shnum || !inside(v, dynsym->sh_offset, dynsym->sh_size)) {
    snprintf(err, FL_ERR_LEN, "the vDSO has no usable .dynsym section");
    return -1;
  }
  const Elf64_Shdr *strtab = &sh[dynsym->sh_link];
  if (!inside(v, strtab->sh_offset, strtab->sh_size)) {
    snprintf(err, FL_ERR_LEN, "the vDSO's .dynstr is out of the mapping");
    return -1;
  }
  const Elf64_Sym *syms = (const Elf64_Sym *)(v->bytes + dynsym->sh_offset);
  const char *names = (const char *)(v->bytes + strtab->sh_offset);
  uint64_t nsyms = dynsym->sh_size / sizeof(Elf64_Sym);
  for (int s = 0; s < FL_SYMS; s++) {
    v->sym_off[s] = 0;
    size_t want = strlen(fl_sym_names[s]);
    for (uint64_t i = 0; i < nsyms; i++) {
      uint32_t n = syms[i].st_name;
      if (n >= strtab->sh_size || strtab->sh_size - n <= want || memcmp(names + n, fl_sym_names[s], want + 1) != 0) continue;
      if (ELF64_ST_TYPE(syms[i].st_info) != STT_FUNC || syms[i].st_shndx == SHN_UNDEF) continue;
      uint64_t off = syms[i].st_value - (uint64_t)bias;
      if (!inside(v, off, syms[i].st_size) || syms[i].st_size < 4 + FL_PATCH_LEN) continue;
      v->sym_off[s] = off;
      v->sym_size[s] = syms[i].st_size;
    }
    if (v->sym_off[s] == 0) {
      snprintf(err, FL_ERR_LEN, "the vDSO has no usable %s", fl_sym_names[s]);
      return -1;
    }
  }
  return 0;
}
#endif
