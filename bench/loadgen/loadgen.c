/*
 * loadgen: a closed-loop HTTP/1.1 load generator for latency distributions.
 *
 * Each of C connections sends one request, waits for the whole response, records the
 * round-trip time and sends the next (closed loop: concurrency C means C requests in flight).
 * All connections are driven by T threads with epoll, so the client costs little CPU per
 * request and is not the bottleneck. Responses must carry Content-Length (no chunked bodies).
 *
 * Usage: loadgen HOST PORT PATH BODY_FILE CONCURRENCY SECONDS WARMUP_SECONDS OUT_FILE
 *        [THREADS] [HEADER ...]
 * Writes to OUT_FILE the latencies in microseconds (one little-endian double each, measured
 * after the warm-up), and prints a JSON summary on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_RESPONSE (16 << 20)

typedef struct {
  int fd;
  size_t sent;
  size_t got;
  long want;           /* total response bytes once headers are parsed, else -1 */
  double start_us;
  char *buf;
} conn_t;

typedef struct {
  int id, nconn;
  conn_t *conns;
  double *lat;
  size_t nlat, cap;
  long errors, non200;
} worker_t;

static const char *g_host;
static int g_port;
static char *g_req;
static size_t g_req_len;
static double g_t_warm, g_t_end;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int dial(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(g_port);
  inet_pton(AF_INET, g_host, &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(2); }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/* Returns the total response length once the header block is complete, -1 before, -2 on error. */
static long response_length(const char *b, size_t n, int *status) {
  const char *end = memmem(b, n, "\r\n\r\n", 4);
  if (!end) return -1;
  if (n < 12 || strncmp(b, "HTTP/1.", 7) != 0) return -2;
  *status = atoi(b + 9);
  long len = 0;
  for (const char *p = b; p < end;) {
    const char *eol = memmem(p, end - p + 2, "\r\n", 2);
    if (!eol) break;
    if (eol - p > 15 && strncasecmp(p, "content-length:", 15) == 0) len = atol(p + 15);
    p = eol + 2;
  }
  return (end - b) + 4 + len;
}

static void start_request(conn_t *c) {
  c->sent = 0;
  c->got = 0;
  c->want = -1;
  c->start_us = now_us();
  ssize_t w = write(c->fd, g_req, g_req_len);
  if (w > 0) c->sent = (size_t)w;
}

static void *run(void *arg) {
  worker_t *w = arg;
  int ep = epoll_create1(0);
  for (int i = 0; i < w->nconn; i++) {
    conn_t *c = &w->conns[i];
    c->fd = dial();
    c->buf = malloc(MAX_RESPONSE);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    start_request(c);
  }
  struct epoll_event evs[256];
  while (now_us() < g_t_end) {
    int n = epoll_wait(ep, evs, 256, 100);
    for (int i = 0; i < n; i++) {
      conn_t *c = evs[i].data.ptr;
      if (c->sent < g_req_len) {
        ssize_t s = write(c->fd, g_req + c->sent, g_req_len - c->sent);
        if (s > 0) c->sent += (size_t)s;
      }
      for (;;) {
        ssize_t r = read(c->fd, c->buf + c->got, MAX_RESPONSE - c->got);
        if (r <= 0) {
          if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            fprintf(stderr, "loadgen: connection closed by server\n");
            exit(3);
          }
          break;
        }
        c->got += (size_t)r;
        int status = 0;
        if (c->want < 0) c->want = response_length(c->buf, c->got, &status);
        if (c->want == -2) { fprintf(stderr, "loadgen: malformed response\n"); exit(3); }
        if (c->want >= 0 && (long)c->got >= c->want) {
          if (status == 0) response_length(c->buf, c->got, &status);
          double t = now_us();
          if (status != 200) w->non200++;
          if (c->start_us >= g_t_warm) {
            if (w->nlat == w->cap) {
              w->cap *= 2;
              w->lat = realloc(w->lat, w->cap * sizeof(double));
            }
            w->lat[w->nlat++] = t - c->start_us;
          }
          start_request(c);
          break;
        }
      }
    }
  }
  for (int i = 0; i < w->nconn; i++) { close(w->conns[i].fd); free(w->conns[i].buf); }
  close(ep);
  return NULL;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: loadgen HOST PORT PATH BODY_FILE CONCURRENCY SECONDS WARMUP OUT [THREADS] [HEADER...]\n");
    return 1;
  }
  g_host = argv[1];
  g_port = atoi(argv[2]);
  const char *path = argv[3];
  FILE *bf = fopen(argv[4], "rb");
  if (!bf) { perror(argv[4]); return 1; }
  fseek(bf, 0, SEEK_END);
  long body_len = ftell(bf);
  fseek(bf, 0, SEEK_SET);
  int conc = atoi(argv[5]);
  double secs = atof(argv[6]), warm = atof(argv[7]);
  int threads = argc > 9 ? atoi(argv[9]) : 1;
  if (threads < 1) threads = 1;
  if (threads > conc) threads = conc;
  char headers[8192] = "";
  for (int i = 10; i < argc; i++) { strcat(headers, argv[i]); strcat(headers, "\r\n"); }
  g_req = malloc(body_len + 16384);
  int hl = snprintf(g_req, 16384,
                    "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %ld\r\n%s\r\n",
                    path, g_host, g_port, body_len, headers);
  if (fread(g_req + hl, 1, body_len, bf) != (size_t)body_len) { perror("read body"); return 1; }
  fclose(bf);
  g_req_len = hl + body_len;

  double t0 = now_us();
  g_t_warm = t0 + warm * 1e6;
  g_t_end = g_t_warm + secs * 1e6;
  worker_t *ws = calloc(threads, sizeof *ws);
  pthread_t *tids = calloc(threads, sizeof *tids);
  for (int t = 0; t < threads; t++) {
    ws[t].id = t;
    ws[t].nconn = conc / threads + (t < conc % threads);
    ws[t].conns = calloc(ws[t].nconn, sizeof(conn_t));
    ws[t].cap = 1 << 16;
    ws[t].lat = malloc(ws[t].cap * sizeof(double));
    pthread_create(&tids[t], NULL, run, &ws[t]);
  }
  size_t total = 0;
  long errors = 0, non200 = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(tids[t], NULL);
    total += ws[t].nlat;
    errors += ws[t].errors;
    non200 += ws[t].non200;
  }
  double *all = malloc((total ? total : 1) * sizeof(double));
  size_t k = 0;
  for (int t = 0; t < threads; t++) { memcpy(all + k, ws[t].lat, ws[t].nlat * sizeof(double)); k += ws[t].nlat; }
  FILE *of = fopen(argv[8], "wb");
  if (of) { fwrite(all, sizeof(double), total, of); fclose(of); }
  qsort(all, total, sizeof(double), cmp);
  double sum = 0, sq = 0;
  for (size_t i = 0; i < total; i++) { sum += all[i]; sq += all[i] * all[i]; }
  double mean = total ? sum / total : 0, sd = total ? (sq / total - mean * mean) : 0;
#define Q(p) (total ? all[(size_t)((p) * (total - 1))] : 0)
  printf("{\"requests\":%zu,\"seconds\":%g,\"rps\":%.1f,\"non200\":%ld,\"errors\":%ld,"
         "\"mean_us\":%.2f,\"std_us\":%.2f,\"min_us\":%.2f,\"p25_us\":%.2f,\"p50_us\":%.2f,"
         "\"p75_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f}\n",
         total, secs, total / secs, non200, errors, mean, sd > 0 ? __builtin_sqrt(sd) : 0,
         Q(0), Q(0.25), Q(0.5), Q(0.75), Q(0.9), Q(0.99), total ? all[total - 1] : 0);
  return 0;
}
