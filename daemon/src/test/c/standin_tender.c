/*
 * standin_tender: a stand-in for a solo5 tender running solo5's network self-test (test_net), for uniswitch's
 * integration tests. The real tender cannot be built here; this program honours the tender network contract
 * (SOLO5-NET.md, read from solo5 v0.12.1) as closely as a plain process can:
 *
 *   - --net=IFACE attaches an existing tap: if_nametoindex() first (ENOENT when missing), /dev/net/tun opened
 *     O_RDWR|O_NONBLOCK, TUNSETIFF with IFF_TAP|IFF_NO_PI (no vnet header), then SIOCGIFFLAGS: a tap that is not
 *     UP is refused with ENETDOWN. Errors print "Could not attach interface: IFACE: <strerror>" and exit 1.
 *   - The MTU is read with SIOCGIFMTU; frames are read into a buffer of MTU + 14 bytes, so a longer frame is
 *     truncated silently, as in the unikernel. TUNSETOFFLOAD(0) keeps GSO/GRO frames away, as the tender does.
 *   - --net=@N takes an already open fd N and makes it non-blocking.
 *   - One read() is one frame, one write() is one frame. read() returning 0 or EAGAIN means "nothing now": the
 *     program waits in epoll_wait, like the tender's I/O thread once it stops spinning.
 *   - Any failed or short write() is fatal, EAGAIN included: "Fatal error: ..." and exit 1.
 *   - Answers ARP requests and ICMP echo requests for --ipv4=A.B.C.D/LEN from --mac=HWADDR (else a random locally
 *     administered MAC, like a tender without --net-mac). --limit=N exits 0 after N echo replies, like test_net's
 *     limit mode.
 *
 * Differences from the real tender (deliberate, for tests):
 *   - No KVM, no guest memory ring: the unikernel's 1024-entry ring in front of the fd is not modelled; frames are
 *     answered synchronously as they are read.
 *   - --net=@N works (current solo5 releases reject it with "@N: Success" because they never set the MTU of a
 *     passed fd); the MTU of a passed fd is --mtu=BYTES (default 1500).
 *   - --spoof=N: test hook, not a tender feature. On the first ARP request it answers, it also writes N broadcast
 *     frames (ethertype 0x88B5) whose source MAC is 02:5e:00:00:00:66, a foreign MAC, to exercise anti-spoofing.
 *   - --burst=N[,BYTES]: test hook, not a tender feature. Right after attaching, writes N broadcast frames of BYTES
 *     bytes (default 60; ethertype 0x88B5, a sequence number in the payload) as fast as write() takes them, then
 *     prints "standin-tender: burst of N frames of BYTES bytes written in MS ms" and serves as usual. Like every
 *     write, a failed one (EAGAIN included) is fatal: the burst proves a switch never makes the tender's write fail.
 *   - Prints one "standin-tender: attached ..." line when ready and "standin-tender: limit reached" at the limit.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int net_fd = -1;
static uint8_t my_mac[6];
static uint32_t my_ip; /* network order */
static unsigned long limit;
static unsigned long replies;
static unsigned long spoof_frames;
static int spoofed;
static unsigned long burst_frames;
static size_t burst_bytes = 60;

static void usage(void)
{
    fprintf(stderr, "usage: standin-tender --net=IFACE|--net=@FD --ipv4=A.B.C.D/LEN [--mac=HWADDR] [--mtu=BYTES]"
                    " [--limit=N] [--spoof=N] [--burst=N[,BYTES]]\n");
    exit(2);
}

static void fatal_write(ssize_t n, size_t len)
{
    if (n < 0) {
        printf("Fatal error: write: %s\n", strerror(errno));
    } else {
        printf("Fatal error: short write: %zd of %zu bytes\n", n, len);
    }
    fflush(stdout);
    exit(1);
}

static void net_write(const uint8_t *buf, size_t len)
{
    ssize_t n = write(net_fd, buf, len);
    if (n != (ssize_t)len) {
        fatal_write(n, len);
    }
}

static void send_burst(int mtu)
{
    static uint8_t f[65536];
    if (burst_bytes < 60 || burst_bytes > (size_t)mtu + 14) {
        printf("standin-tender: burst frame size %zu is outside 60..%d\n", burst_bytes, mtu + 14);
        fflush(stdout);
        exit(2);
    }
    memset(f, 0, burst_bytes);
    memset(f, 0xff, 6);
    memcpy(f + 6, my_mac, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned long i = 0; i < burst_frames; i++) {
        memcpy(f + 14, &i, sizeof i);
        net_write(f, burst_bytes);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("standin-tender: burst of %lu frames of %zu bytes written in %ld ms\n", burst_frames, burst_bytes, ms);
    fflush(stdout);
}

static int attach_tap(const char *ifname, int *mtu)
{
    if (strlen(ifname) >= IFNAMSIZ) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (if_nametoindex(ifname) == 0) {
        errno = ENOENT;
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
    if (fd == -1) {
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    (void)ioctl(fd, TUNSETOFFLOAD, 0);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s == -1) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1 || !(ifr.ifr_flags & IFF_UP)) {
        int e = ifr.ifr_flags & IFF_UP ? errno : ENETDOWN;
        close(s);
        close(fd);
        errno = e;
        return -1;
    }
    if (ioctl(s, SIOCGIFMTU, &ifr) == -1) {
        int e = errno;
        close(s);
        close(fd);
        errno = e;
        return -1;
    }
    *mtu = ifr.ifr_mtu;
    close(s);
    return fd;
}

static int parse_mac(const char *s, uint8_t *mac)
{
    unsigned int b[6];
    char extra;
    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6) {
        return -1;
    }
    for (int i = 0; i < 6; i++) {
        if (b[i] > 255) {
            return -1;
        }
        mac[i] = (uint8_t)b[i];
    }
    return 0;
}

static uint16_t checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    }
    if (len & 1) {
        sum += (uint32_t)(p[len - 1] << 8);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void send_spoofed(void)
{
    uint8_t f[60];
    memset(f, 0, sizeof f);
    memset(f, 0xff, 6);
    const uint8_t foreign[6] = {0x02, 0x5e, 0x00, 0x00, 0x00, 0x66};
    memcpy(f + 6, foreign, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    for (unsigned long i = 0; i < spoof_frames; i++) {
        f[14] = (uint8_t)i;
        net_write(f, sizeof f);
    }
}

/* ARP request for our address: answer in place. */
static void on_arp(uint8_t *f, size_t len)
{
    if (len < 42) {
        return;
    }
    uint8_t *a = f + 14;
    if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0 || a[4] != 6 || a[5] != 4 || a[6] != 0 || a[7] != 1) {
        return;
    }
    uint32_t tpa;
    memcpy(&tpa, a + 24, 4);
    if (tpa != my_ip) {
        return;
    }
    memcpy(f, a + 8, 6);          /* dst = sender hardware address */
    memcpy(f + 6, my_mac, 6);
    a[7] = 2;                      /* reply */
    memcpy(a + 18, a + 8, 10);     /* target = old sender (MAC and IP) */
    memcpy(a + 8, my_mac, 6);
    memcpy(a + 14, &my_ip, 4);
    net_write(f, 42);
    if (spoof_frames > 0 && !spoofed) {
        spoofed = 1;
        send_spoofed();
    }
}

/* ICMP echo request to our address: turn into the reply in place. */
static void on_ipv4(uint8_t *f, size_t len)
{
    if (len < 14 + 20 + 8 || memcmp(f, my_mac, 6) != 0) {
        return;
    }
    uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t total = (size_t)(ip[2] << 8 | ip[3]);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 || 14 + total > len || ip[9] != 1) {
        return;
    }
    uint32_t dst;
    memcpy(&dst, ip + 16, 4);
    if (dst != my_ip) {
        return;
    }
    uint8_t *icmp = ip + ihl;
    if (icmp[0] != 8 || icmp[1] != 0) {
        return;
    }
    uint8_t tmp[6];
    memcpy(tmp, f + 6, 6);
    memcpy(f, tmp, 6);
    memcpy(f + 6, my_mac, 6);
    memcpy(ip + 16, ip + 12, 4);
    memcpy(ip + 12, &my_ip, 4);
    ip[8] = 64;
    ip[10] = 0;
    ip[11] = 0;
    uint16_t c = checksum(ip, ihl);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    icmp[0] = 0;
    icmp[2] = 0;
    icmp[3] = 0;
    c = checksum(icmp, total - ihl);
    icmp[2] = (uint8_t)(c >> 8);
    icmp[3] = (uint8_t)c;
    net_write(f, 14 + total);
    replies++;
    if (limit > 0 && replies >= limit) {
        printf("standin-tender: limit reached: %lu echo replies\n", replies);
        fflush(stdout);
        exit(0);
    }
}

int main(int argc, char **argv)
{
    const char *net = NULL;
    const char *ipv4 = NULL;
    const char *mac = NULL;
    int mtu = 1500;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--net=", 6) == 0) {
            net = a + 6;
        } else if (strncmp(a, "--ipv4=", 7) == 0) {
            ipv4 = a + 7;
        } else if (strncmp(a, "--mac=", 6) == 0) {
            mac = a + 6;
        } else if (strncmp(a, "--mtu=", 6) == 0) {
            mtu = atoi(a + 6);
        } else if (strncmp(a, "--limit=", 8) == 0) {
            limit = strtoul(a + 8, NULL, 10);
        } else if (strncmp(a, "--spoof=", 8) == 0) {
            spoof_frames = strtoul(a + 8, NULL, 10);
        } else if (strncmp(a, "--burst=", 8) == 0) {
            char *end;
            burst_frames = strtoul(a + 8, &end, 10);
            if (*end == ',') {
                burst_bytes = strtoul(end + 1, NULL, 10);
            }
        } else {
            usage();
        }
    }
    if (net == NULL || ipv4 == NULL || mtu < 68) {
        usage();
    }
    char addr[32];
    const char *slash = strchr(ipv4, '/');
    size_t alen = slash ? (size_t)(slash - ipv4) : strlen(ipv4);
    if (alen >= sizeof addr) {
        usage();
    }
    memcpy(addr, ipv4, alen);
    addr[alen] = 0;
    if (inet_pton(AF_INET, addr, &my_ip) != 1) {
        fprintf(stderr, "standin-tender: bad --ipv4 %s\n", ipv4);
        return 2;
    }
    if (mac != NULL) {
        if (parse_mac(mac, my_mac) != 0) {
            fprintf(stderr, "standin-tender: bad --mac %s\n", mac);
            return 2;
        }
    } else {
        if (getrandom(my_mac, sizeof my_mac, 0) != (ssize_t)sizeof my_mac) {
            perror("getrandom");
            return 1;
        }
        my_mac[0] = (uint8_t)((my_mac[0] & 0xfc) | 0x02);
    }
    if (net[0] == '@') {
        char *end;
        long fd = strtol(net + 1, &end, 10);
        int flags = *end == 0 && fd >= 0 ? fcntl((int)fd, F_GETFL) : -1;
        if (flags == -1 || fcntl((int)fd, F_SETFL, flags | O_NONBLOCK) == -1) {
            printf("Could not attach interface: %s: %s\n", net, strerror(flags == -1 && *end ? EINVAL : errno));
            return 1;
        }
        net_fd = (int)fd;
    } else {
        net_fd = attach_tap(net, &mtu);
        if (net_fd == -1) {
            printf("Could not attach interface: %s: %s\n", net, strerror(errno));
            return 1;
        }
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = net_fd};
    if (ep == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, net_fd, &ev) == -1) {
        perror("epoll");
        return 1;
    }
    printf("standin-tender: attached %s mtu %d mac %02x:%02x:%02x:%02x:%02x:%02x ipv4 %s\n", net, mtu, my_mac[0],
           my_mac[1], my_mac[2], my_mac[3], my_mac[4], my_mac[5], ipv4);
    fflush(stdout);
    if (burst_frames > 0) {
        send_burst(mtu);
    }

    size_t cap = (size_t)mtu + 14;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        perror("malloc");
        return 1;
    }
    for (;;) {
        ssize_t n = read(net_fd, buf, cap);
        if (n > 0) {
            if (n >= 14) {
                uint16_t type = (uint16_t)(buf[12] << 8 | buf[13]);
                if (type == 0x0806) {
                    on_arp(buf, (size_t)n);
                } else if (type == 0x0800) {
                    on_ipv4(buf, (size_t)n);
                }
            }
            continue;
        }
        if (n == -1 && errno != EAGAIN && errno != EINTR) {
            printf("Fatal error: read: %s\n", strerror(errno));
            fflush(stdout);
            return 1;
        }
        struct epoll_event out;
        if (epoll_wait(ep, &out, 1, -1) == -1 && errno != EINTR) {
            perror("epoll_wait");
            return 1;
        }
    }
}
