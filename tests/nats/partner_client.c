// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A partner's reader written against libnats alone, nothing of botsink:
 * the README's example of "any NATS client". It reads a partner's records
 * from its durable consumer and writes them to stdout, acknowledging each
 * message once written; it stops after 2 s without a message.
 *
 *   partner_client URL[,URL...] CA_FILE USER PASSWORD INBOX_PREFIX
 *
 * USER, PASSWORD and INBOX_PREFIX are the lines of the partner's
 * credentials file (botsink nats-config); the consumer is named as the
 * user (partner-NAME, or public) on stream BOTSINK_PARTNERS.
 * Build: cc partner_client.c -lnats
 */
#include <stdio.h>
#include <string.h>
#include <nats/nats.h>

/* URL: the cluster's nodes, comma-separated (nats-config's last line). */
static natsStatus connect_tls(natsConnection **nc, char **argv)
{
	const char *servers[16];
	natsOptions *o = NULL;
	natsStatus s = natsOptions_Create(&o);
	int n = 0;

	for (char *url = strtok(argv[1], ","); url && n < 16; url = strtok(NULL, ","))
		servers[n++] = url;
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, servers, n);
	if (s == NATS_OK)
		s = natsOptions_SetSecure(o, true);
	if (s == NATS_OK)
		s = natsOptions_LoadCATrustedCertificates(o, argv[2]);
	if (s == NATS_OK)
		s = natsOptions_SetUserInfo(o, argv[3], argv[4]);
	/* The only inbox the partner's permissions allow. */
	if (s == NATS_OK)
		s = natsOptions_SetCustomInboxPrefix(o, argv[5]);
	if (s == NATS_OK)
		s = natsConnection_Connect(nc, o);
	natsOptions_Destroy(o);
	return s;
}

/* Every message waiting, to stdout; each acknowledged once written. */
static natsStatus drain(natsSubscription *sub, int *records)
{
	natsStatus s = NATS_OK;

	while (s == NATS_OK) {
		natsMsgList list = { 0 };

		s = natsSubscription_Fetch(&list, sub, 64, 2000, NULL);
		for (int i = 0; s == NATS_OK && i < list.Count; i++) {
			const char *data = natsMsg_GetData(list.Msgs[i]);
			int len = natsMsg_GetDataLength(list.Msgs[i]);

			if (fwrite(data, 1, (size_t)len, stdout) != (size_t)len || fflush(stdout))
				return NATS_IO_ERROR;
			for (int j = 0; j < len; j++)
				*records += data[j] == '\n';
			s = natsMsg_AckSync(list.Msgs[i], NULL, NULL);
		}
		natsMsgList_Destroy(&list);
	}
	return s == NATS_TIMEOUT ? NATS_OK : s;
}

int main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	jsCtx *js = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	int records = 0;
	natsStatus s;

	if (argc != 6) {
		fprintf(stderr, "usage: %s URL[,URL...] CA_FILE USER PASSWORD INBOX_PREFIX\n",
			argv[0]);
		return 2;
	}
	s = connect_tls(&nc, argv);
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	/* Bound to the consumer the operator made: a partner may not create one. */
	jsSubOptions_Init(&so);
	so.Stream = "BOTSINK_PARTNERS";
	so.Consumer = argv[3];
	if (s == NATS_OK)
		s = js_PullSubscribe(&sub, js, NULL, argv[3], NULL, &so, &jerr);
	if (s == NATS_OK)
		s = drain(sub, &records);
	if (s != NATS_OK)
		fprintf(stderr, "partner_client: %s (%s)\n", natsStatus_GetText(s),
			nats_GetLastError(NULL));
	else
		fprintf(stderr, "partner_client: %d records\n", records);
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	nats_Close();
	return s == NATS_OK ? 0 : 1;
}
