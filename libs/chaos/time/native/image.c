/*
 * The image: what the helper writes into the vDSO's zero padding (the last FL_IMAGE_SIZE bytes of
 * the [vdso] mapping). It carries its own magic, the exact original bytes of every patched entry
 * and the entries in force, so any later helper run (after a daemon restart too) reads the state
 * back from the process itself and can restore the original code. Layout: README.md.
 */
#define _GNU_SOURCE
#include "time-skew.h"
#if defined(FL_SUPPORTED)

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAGIC "FLTSKEW1"
#define VERSION 1
#define OFF_SLOTS 16   /* FL_SYMS x { u32 patch offset; u8 original[8]; u8 pad[4] } */
#define SLOT_SIZE 16
#define OFF_ENTRIES 64 /* FL_MAX_ENTRIES x { key[16]; u64 mask; i64 sec; i64 nsec } */
#define ENTRY_SIZE 40
#define OFF_BLOB 384   /* the assembled blob: the per-clock table, then the fake code */
#define TABLE_SIZE (FL_CLOCKS * 16)

extern const uint8_t fl_blob_start[], fl_blob_end[];
extern const uint8_t fl_fake_clock_gettime[], fl_fake_gettimeofday[], fl_fake_time[];

_Static_assert(OFF_ENTRIES >= OFF_SLOTS + FL_SYMS * SLOT_SIZE, "slots overlap entries");
_Static_assert(OFF_BLOB >= OFF_ENTRIES + FL_MAX_ENTRIES * ENTRY_SIZE, "entries overlap the blob");

static uint64_t blob_len(void) { return (uint64_t)(fl_blob_end - fl_blob_start); }

/* Mapping offset of each fake function. */
static uint64_t fake_off(const struct fl_state *s, int sym) {
  const uint8_t *fn = sym == FL_SYM_CLOCK_GETTIME ? fl_fake_clock_gettime
                    : sym == FL_SYM_GETTIMEOFDAY  ? fl_fake_gettimeofday
                                                  : fl_fake_time;
  return s->image_off + OFF_BLOB + (uint64_t)(fn - fl_blob_start);
}

void fl_jump_bytes(const struct fl_state *s, int sym, uint8_t out[FL_PATCH_LEN]) {
  int32_t rel = (int32_t)((int64_t)fake_off(s, sym) - (int64_t)(s->patch_off[sym] + FL_PATCH_LEN));
  out[0] = 0xe9; /* jmp rel32 */
  memcpy(out + 1, &rel, 4);
}

static const uint8_t endbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};

int fl_read_state(const struct fl_vdso *v, struct fl_state *s, char *err) {
  memset(s, 0, sizeof *s);
  if (OFF_BLOB + blob_len() > FL_IMAGE_SIZE) {
    snprintf(err, FL_ERR_LEN, "internal: the fake code (%" PRIu64 " bytes) does not fit the image", blob_len());
    return -1;
  }
  if (v->size < FL_IMAGE_SIZE || v->size - FL_IMAGE_SIZE < v->content_end) {
    snprintf(err, FL_ERR_LEN, "no room in the vDSO: its ELF content ends at byte %" PRIu64 " of %" PRIu64 ", the image needs the last %d",
             v->content_end, v->size, FL_IMAGE_SIZE);
    return -1;
  }
  s->image_off = v->size - FL_IMAGE_SIZE;
  s->code_start = s->image_off + OFF_BLOB + TABLE_SIZE;
  s->code_end = s->image_off + OFF_BLOB + blob_len();
  const uint8_t *img = v->bytes + s->image_off;

  if (memcmp(img, MAGIC, 8) == 0) {
    uint32_t version, count;
    memcpy(&version, img + 8, 4);
    memcpy(&count, img + 12, 4);
    if (version != VERSION || count > FL_MAX_ENTRIES) {
      snprintf(err, FL_ERR_LEN, "a faultline-time-skew image of another format (version %u, %u entries)", version, count);
      return -1;
    }
    s->has_image = true;
    s->entry_count = (int)count;
    /* Whether the image's code is this build's: if not, rewriting it could change instructions a
     * thread is executing, so a set then waits until no thread is inside the image (main.c). */
    s->code_matches = memcmp(img + OFF_BLOB + TABLE_SIZE, fl_blob_start + TABLE_SIZE, blob_len() - TABLE_SIZE) == 0;
    for (int i = 0; i < FL_SYMS; i++) {
      uint32_t off;
      memcpy(&off, img + OFF_SLOTS + i * SLOT_SIZE, 4);
      /* The target can write its own vDSO: nothing read from the image is trusted. The patch must be
       * where this helper puts it (the function's entry, or just after its endbr64), inside the code. */
      if ((uint64_t)off + FL_PATCH_LEN > s->image_off || (off != v->sym_off[i] && off != v->sym_off[i] + 4) ||
          (uint64_t)off + FL_PATCH_LEN > v->sym_off[i] + v->sym_size[i]) {
        snprintf(err, FL_ERR_LEN, "the image's patch offset of %s (%u) is not that function's entry: not our image, refused", fl_sym_names[i], off);
        return -1;
      }
      s->patch_off[i] = off;
      memcpy(s->original[i], img + OFF_SLOTS + i * SLOT_SIZE + 4, 8);
    }
    for (int i = 0; i < s->entry_count; i++) {
      const uint8_t *e = img + OFF_ENTRIES + i * ENTRY_SIZE;
      memcpy(s->entries[i].key, e, 16);
      memcpy(&s->entries[i].mask, e + 16, 8);
      memcpy(&s->entries[i].sec, e + 24, 8);
      memcpy(&s->entries[i].nsec, e + 32, 8);
    }
  } else {
    for (int i = 0; i < FL_IMAGE_SIZE; i++)
      if (img[i] != 0) {
        snprintf(err, FL_ERR_LEN, "no room in the vDSO: its last %d bytes (after the ELF content, which ends at %" PRIu64 ") are neither zero nor a faultline-time-skew image",
                 FL_IMAGE_SIZE, v->content_end);
        return -1;
      }
    /* Keep an endbr64 first: an indirect call still lands on it if the CPU checks branch targets. */
    for (int i = 0; i < FL_SYMS; i++) {
      /* st_size >= 4 + FL_PATCH_LEN (vdso.c): the patch is inside the function; only its bytes are kept */
      s->patch_off[i] = v->sym_off[i] + (memcmp(v->bytes + v->sym_off[i], endbr64, 4) == 0 ? 4 : 0);
      memcpy(s->original[i], v->bytes + s->patch_off[i], FL_PATCH_LEN);
    }
  }
  for (int i = 0; i < FL_SYMS; i++) {
    uint8_t jmp[FL_PATCH_LEN];
    fl_jump_bytes(s, i, jmp);
    const uint8_t *now = v->bytes + s->patch_off[i];
    s->redirected[i] = memcmp(now, jmp, FL_PATCH_LEN) == 0;
    if (s->redirected[i] && !s->has_image) {
      snprintf(err, FL_ERR_LEN, "%s jumps into the vDSO's padding but no image is there", fl_sym_names[i]);
      return -1;
    }
    if (!s->redirected[i] && memcmp(now, s->original[i], FL_PATCH_LEN) != 0) {
      snprintf(err, FL_ERR_LEN, "%s holds code that is neither the original nor our jump (patched by someone else?)", fl_sym_names[i]);
      return -1;
    }
  }
  return 0;
}

/* An image with no entries and no function redirected is inert (what a restore leaves): clean. */
const char *fl_state_name(const struct fl_state *s) {
  if (!s->has_image) return "clean";
  bool all = true, none = true;
  for (int i = 0; i < FL_SYMS; i++) {
    all = all && s->redirected[i];
    none = none && !s->redirected[i];
  }
  if (s->entry_count == 0 && none) return "clean";
  return all && s->entry_count > 0 ? "skewed" : "partial";
}

void fl_build_image(const struct fl_state *s, const struct fl_entry *e, int n, uint8_t image[FL_IMAGE_SIZE]) {
  memset(image, 0, FL_IMAGE_SIZE);
  memcpy(image, MAGIC, 8);
  uint32_t version = VERSION, count = (uint32_t)n;
  memcpy(image + 8, &version, 4);
  memcpy(image + 12, &count, 4);
  for (int i = 0; i < FL_SYMS; i++) {
    uint32_t off = (uint32_t)s->patch_off[i];
    memcpy(image + OFF_SLOTS + i * SLOT_SIZE, &off, 4);
    memcpy(image + OFF_SLOTS + i * SLOT_SIZE + 4, s->original[i], 8);
  }
  for (int i = 0; i < n; i++) {
    uint8_t *p = image + OFF_ENTRIES + i * ENTRY_SIZE;
    memcpy(p, e[i].key, 16);
    memcpy(p + 16, &e[i].mask, 8);
    memcpy(p + 24, &e[i].sec, 8);
    memcpy(p + 32, &e[i].nsec, 8);
  }
  memcpy(image + OFF_BLOB, fl_blob_start, blob_len());
  /* The table: per clock, the sum of the entries whose mask has its bit, normalised to 0 <= nsec < 1e9
   * (|sec| <= 1e10 and |nsec| < 1e9 per entry, at most 8 entries: no overflow). */
  for (int c = 0; c < FL_CLOCKS; c++) {
    int64_t sec = 0, nsec = 0;
    for (int i = 0; i < n; i++)
      if (e[i].mask & (1ull << c)) {
        sec += e[i].sec;
        nsec += e[i].nsec;
      }
    sec += nsec / 1000000000;
    nsec %= 1000000000;
    if (nsec < 0) {
      nsec += 1000000000;
      sec -= 1;
    }
    memcpy(image + OFF_BLOB + c * 16, &sec, 8);
    memcpy(image + OFF_BLOB + c * 16 + 8, &nsec, 8);
  }
}
#endif
