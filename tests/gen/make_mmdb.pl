#!/usr/bin/perl
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Small MaxMind-format databases for the tests, in GeoLite2's layouts
# (Debian's libmaxmind-db-writer-perl; nothing is downloaded).
#
#   make_mmdb.pl [-4] asn     OUT.mmdb NETWORK=ASN:ORG ...
#   make_mmdb.pl [-4] country OUT.mmdb NETWORK=CC[/RC] ...
#   make_mmdb.pl [-4] city    OUT.mmdb NETWORK=CC[/RC] ...
#
# NETWORK is CIDR, IPv4 or IPv6 ("198.51.100.0/24", "2001:db8:a::/48").
# asn:     autonomous_system_number ASN and autonomous_system_organization
#          ORG (UTF-8; ORG may hold ':' and '='). An empty ASN or ORG leaves
#          that key out ("NET=:Org", "NET=64500:").
# country: country.iso_code CC and registered_country.iso_code RC (RC
#          defaults to CC). An empty CC leaves country out ("NET=/DE"), as
#          GeoLite2 does for some networks. The code is stored as given.
# city:    the country layout plus city.names.en "Test City".
# A lone "-" instead of the networks reads them from stdin, one a line.
#
# The tree is IPv6 (database_type GeoLite2-ASN, -Country, -City) with IPv4
# at ::/96 and the IPv4-mapped (::ffff:0:0/96), 6to4 and Teredo ranges
# aliased to it, as in GeoLite2 files; -4 writes an IPv4-only tree instead.
# Networks go in shortest prefix first, so a more specific network wins over
# a less specific one whatever the order given. Reserved ranges (the
# documentation ones included) are kept. Exit status 2 on a usage error.
use strict;
use warnings;
use Encode qw(decode);
use MaxMind::DB::Writer::Tree;

my %types = (
	autonomous_system_number       => 'uint32',
	autonomous_system_organization => 'utf8_string',
	country                        => 'map',
	registered_country             => 'map',
	city                           => 'map',
	names                          => 'map',
	iso_code                       => 'utf8_string',
	en                             => 'utf8_string',
);
my %db_types = (asn => 'GeoLite2-ASN', country => 'GeoLite2-Country', city => 'GeoLite2-City');

sub usage {
	print STDERR "usage: make_mmdb.pl [-4] asn|country|city OUT.mmdb NETWORK=VALUE ... | -\n";
	exit 2;
}

sub asn_record {
	my ($value) = @_;
	my ($asn, $org) = $value =~ /^(\d*):(.*)$/s or return;
	my %rec;
	$rec{autonomous_system_number} = $asn + 0 if length $asn;
	$rec{autonomous_system_organization} = $org if length $org;
	return \%rec;
}

sub geo_record {
	my ($value, $kind) = @_;
	my ($cc, $rc) = split m{/}, $value, 2;
	$rc = $cc unless defined $rc;
	my %rec;
	$rec{country} = { iso_code => $cc } if length $cc;
	$rec{registered_country} = { iso_code => $rc } if length $rc;
	$rec{city} = { names => { en => 'Test City' } } if $kind eq 'city';
	return \%rec;
}

sub parse_entry {
	my ($kind, $arg) = @_;
	# FB_CROAK consumes its input: decode a copy.
	my ($net, $value) = split /=/, decode('UTF-8', "$arg", Encode::FB_CROAK), 2;
	defined $value && $net =~ m{^[0-9A-Fa-f:.]+/\d+$}
		or die "make_mmdb.pl: '$arg' is not NETWORK=VALUE\n";
	my $rec = $kind eq 'asn' ? asn_record($value) : geo_record($value, $kind);
	defined $rec or die "make_mmdb.pl: '$arg': expected NETWORK=ASN:ORG\n";
	my ($len) = $net =~ m{/(\d+)$};
	# Compare lengths in the 16-byte form: an IPv4 /n is a /(96+n).
	return [ $net, $rec, $net =~ /:/ ? $len : 96 + $len ];
}

my $ip_version = 6;
if (@ARGV && $ARGV[0] eq '-4') {
	$ip_version = 4;
	shift @ARGV;
}
usage() if @ARGV < 2;
my ($kind, $out, @args) = @ARGV;
usage() unless $db_types{$kind};
if (@args == 1 && $args[0] eq '-') {
	@args = grep { length } map { s/\s+$//r } <STDIN>;
}

my @entries = sort { $a->[2] <=> $b->[2] } map { parse_entry($kind, $_) } @args;
my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version               => $ip_version,
	record_size              => 28,
	database_type            => $db_types{$kind},
	languages                => ['en'],
	description              => { en => "botsink test $kind database" },
	map_key_type_callback    => sub { $types{ $_[0] } },
	alias_ipv6_to_ipv4       => $ip_version == 6,
	remove_reserved_networks => 0,
);
$tree->insert_network($_->[0], $_->[1]) for @entries;
open my $fh, '>:raw', $out or die "make_mmdb.pl: $out: $!\n";
$tree->write_tree($fh);
close $fh or die "make_mmdb.pl: $out: $!\n";
