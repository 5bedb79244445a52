/*
 * The real-time clock through /dev/rtc0 (Documentation/admin-guide/rtc.rst),
 * as util-linux hwclock and rtcwake use it: update interrupts once a
 * second, an alarm that interrupts when it is due, and setting the clock
 * across a day boundary and into the next century, and the CMOS RAM's
 * size. Natively the rtc-cmos driver runs on QEMU's
 * MC146818 (with the HPET standing in for its interrupt); in a VM on the
 * VMM's model of the same chip, which once raised no interrupt at all:
 * RTC_UIE_ON succeeded and a read then waited forever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "conformance.h"

/* Longest wait for one interrupt that is due within a second or two. */
#define RTC_WAIT_MS 4000

static int open_rtc(void)
{
	int fd = open("/dev/rtc0", O_RDONLY);

	if (fd < 0)
		check_fail_errno("open /dev/rtc0");
	return fd;
}

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_time(int fd, struct rtc_time *tm, time_t *t)
{
	struct tm c = { 0 };

	memset(tm, 0, sizeof(*tm));
	if (ioctl(fd, RTC_RD_TIME, tm) < 0)
		return check_fail_errno("RTC_RD_TIME");
	memcpy(&c, tm, sizeof(*tm)); /* struct rtc_time begins as struct tm */
	c.tm_isdst = 0;
	*t = timegm(&c);
	return 0;
}

static void to_rtc(time_t t, struct rtc_time *tm)
{
	struct tm c;

	gmtime_r(&t, &c);
	memcpy(tm, &c, sizeof(*tm));
}

/*
 * Wait for one interrupt and check that it says which (RTC_UF, RTC_AF)
 * and that at least one came (the count in the upper bits).
 */
static int wait_irq(int fd, unsigned long flag, const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned long data;
	int n = poll(&p, 1, RTC_WAIT_MS);

	if (n < 0)
		return check_fail_errno("poll /dev/rtc0");
	if (n == 0)
		return check_fail("no %s interrupt within %d ms", what,
				  RTC_WAIT_MS);
	if (read(fd, &data, sizeof(data)) != sizeof(data))
		return check_fail_errno("read /dev/rtc0");
	if (!(data & flag) || !(data & RTC_IRQF) || (data >> 8) < 1)
		return check_fail("%s interrupt read %#lx, want flags %#lx",
				  what, data, flag | RTC_IRQF);
	return 0;
}

/* Three update interrupts, each a new second of the clock. */
static int rtc_update_irq(void)
{
	int fd = open_rtc(), err = 0;
	time_t last = 0, t;
	struct rtc_time tm;
	double start = 0;

	if (fd < 0)
		return -1;
	if (ioctl(fd, RTC_UIE_ON, 0) < 0)
		return check_fail_errno("RTC_UIE_ON");
	for (int i = 0; i < 3 && !err; i++) {
		err = wait_irq(fd, RTC_UF, "update") || read_time(fd, &tm, &t);
		if (!err && i && t <= last)
			err = check_fail("update %d: clock at %ld, was %ld", i,
					 (long)t, (long)last);
		if (i == 0)
			start = monotonic();
		last = t;
	}
	if (!err && monotonic() - start < 1.5)
		err = check_fail("two updates within %.2f s",
				 monotonic() - start);
	ioctl(fd, RTC_UIE_OFF, 0);
	close(fd);
	return err;
}

/* An alarm two seconds on interrupts, once it is due and not before. */
static int rtc_alarm(void)
{
	int fd = open_rtc(), err;
	struct rtc_time tm, alarm;
	time_t now, due, then;

	if (fd < 0)
		return -1;
	if (read_time(fd, &tm, &now))
		return -1;
	due = now + 2;
	to_rtc(due, &alarm);
	if (ioctl(fd, RTC_ALM_SET, &alarm) < 0)
		return check_fail_errno("RTC_ALM_SET");
	if (ioctl(fd, RTC_AIE_ON, 0) < 0)
		return check_fail_errno("RTC_AIE_ON");
	err = wait_irq(fd, RTC_AF, "alarm") || read_time(fd, &tm, &then);
	if (!err && then < due)
		err = check_fail("alarm for %ld came at %ld", (long)due,
				 (long)then);
	ioctl(fd, RTC_AIE_OFF, 0);
	close(fd);
	return err;
}

/*
 * Set the clock to `eve`, two seconds before a midnight, watch it carry
 * into the day `next` (yyyymmdd), and put it back where it would be.
 */
static int set_and_watch(time_t eve, long next)
{
	int fd = open_rtc(), err;
	struct rtc_time tm, set;
	time_t before, t;
	double start = monotonic();

	if (fd < 0)
		return -1;
	if (read_time(fd, &tm, &before))
		return -1;
	to_rtc(eve, &set);
	if (ioctl(fd, RTC_SET_TIME, &set) < 0)
		return check_fail_errno("RTC_SET_TIME");
	err = read_time(fd, &tm, &t);
	if (!err && (t < eve || t > eve + 1))
		err = check_fail("clock set to %ld reads %ld", (long)eve,
				 (long)t);
	usleep(2500 * 1000);
	if (!err && !read_time(fd, &tm, &t) &&
	    (t < eve + 2 || t > eve + 4 ||
	     (tm.tm_year + 1900) * 10000L + (tm.tm_mon + 1) * 100 +
			     tm.tm_mday !=
		     next))
		err = check_fail("2.5 s after %ld: %04d-%02d-%02d "
				 "%02d:%02d:%02d, want the day %ld",
				 (long)eve, tm.tm_year + 1900, tm.tm_mon + 1,
				 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
				 next);
	before += (time_t)(monotonic() - start + 0.5);
	to_rtc(before, &set);
	if (ioctl(fd, RTC_SET_TIME, &set) < 0 && !err)
		err = check_fail_errno("RTC_SET_TIME back");
	close(fd);
	return err;
}

/* Across a day and a month: 2031-06-30 23:59:58 UTC */
static int rtc_set_time(void)
{
	return set_and_watch(1940630398, 20310701);
}

/*
 * Into the next century: 2099-12-31 23:59:58 UTC. Linux keeps years
 * past 2069 only with the century register the FADT names.
 */
static int rtc_century(void)
{
	return set_and_watch(4102444798, 21000101);
}

/*
 * The CMOS RAM as rtc-cmos exports it: 242 bytes where the RTC's ports
 * are 0x70-0x77 (the ACPI device QEMU describes), and a byte of the
 * first bank kept (offset 100 is CMOS byte 114, which no one uses).
 */
static int rtc_nvram(void)
{
	const char *path = "/sys/bus/nvmem/devices/cmos_nvram0/nvmem";
	int fd = open(path, O_RDWR), err = 0;
	unsigned char old, mark = 0xa5, got = 0;
	off_t size;

	if (fd < 0)
		return check_fail_errno(path);
	size = lseek(fd, 0, SEEK_END);
	if (pread(fd, &old, 1, 100) != 1 || pwrite(fd, &mark, 1, 100) != 1 ||
	    pread(fd, &got, 1, 100) != 1)
		err = check_fail_errno("NVRAM byte 100");
	else if (size != 242 || got != mark)
		err = check_fail("NVRAM of %ld bytes (want 242), byte 100 "
				 "read %#x after writing %#x",
				 (long)size, got, mark);
	if (pwrite(fd, &old, 1, 100) != 1 && !err)
		err = check_fail_errno("NVRAM byte 100 back");
	close(fd);
	return err;
}

const struct check dev_checks[] = {
	{ "rtc_update_irq", rtc_update_irq }, { "rtc_alarm", rtc_alarm },
	{ "rtc_set_time", rtc_set_time },     { "rtc_century", rtc_century },
	{ "rtc_nvram", rtc_nvram },	      { NULL, NULL },
};
