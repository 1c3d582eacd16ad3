# SPDX-License-Identifier: GPL-2.0
# bash completion for synguardctl(8)

_synguardctl()
{
	local cur prev words cword
	_init_completion || return

	local objects="show set stats sources halfopen ports allow forward
		backends showconf setconf top monitor help"
	local keys="mode halfopen_high halfopen_low syn_rate_low cooldown
		halfopen_timeout table_size source_limit prefix4 prefix6 gateway gateway_table"
	local i obj="" nwords=0

	case $prev in
	-n | --netns)
		COMPREPLY=($(compgen -W "$(ip netns list 2>/dev/null |
			awk '{ print $1 }')" -- "$cur"))
		return
		;;
	esac

	# Find the object: the first word that is not an option.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-n | --netns) ((i++)) ;;
		-*) ;;
		*)
			obj=${words[i]}
			nwords=$((cword - i))
			break
			;;
		esac
	done

	if [[ -z $obj ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-j --json -n --netns -h --help
				-V --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$objects" -- "$cur"))
		fi
		return
	fi

	case $obj in
	set)
		if ((nwords % 2 == 1)); then
			COMPREPLY=($(compgen -W "$keys" -- "$cur"))
		elif [[ $prev == mode ]]; then
			COMPREPLY=($(compgen -W "off monitor auto always" -- "$cur"))
		elif [[ $prev == gateway ]]; then
			COMPREPLY=($(compgen -W "on off" -- "$cur"))
		fi
		;;
	sources)
		((nwords == 1)) && COMPREPLY=($(compgen -W "top" -- "$cur"))
		;;
	stats)
		if ((nwords == 1)); then
			COMPREPLY=($(compgen -W "-o" -- "$cur"))
		elif [[ $prev == -o ]]; then
			COMPREPLY=($(compgen -W "text json prometheus" -- "$cur"))
		elif [[ $prev == prometheus ]]; then
			COMPREPLY=($(compgen -W "--all-netns" -- "$cur"))
		fi
		;;
	setconf)
		((nwords == 1)) && _filedir
		;;
	backends)
		((nwords == 1)) && COMPREPLY=($(compgen -W "show" -- "$cur"))
		;;
	ports)
		((nwords == 1)) &&
			COMPREPLY=($(compgen -W "add del list flush top" -- "$cur"))
		;;
	allow)
		((nwords == 1)) &&
			COMPREPLY=($(compgen -W "add del list flush" -- "$cur"))
		;;
	forward)
		if ((nwords == 1)); then
			COMPREPLY=($(compgen -W "add del list flush" -- "$cur"))
		elif [[ $prev == dev ]]; then
			# The names of this namespace's interfaces, or -n's.
			local ns=() j
			for ((j = 1; j < cword; j++)); do
				[[ ${words[j]} == -n || ${words[j]} == --netns ]] &&
					ns=(-n "${words[j + 1]}")
			done
			COMPREPLY=($(compgen -W "$(ip "${ns[@]}" -o link show 2>/dev/null |
				awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')" -- "$cur"))
		elif [[ ${words[cword - nwords + 1]} == add ||
			${words[cword - nwords + 1]} == del ]]; then
			COMPREPLY=($(compgen -W "dev" -- "$cur"))
		fi
		;;
	help)
		((nwords == 1)) && COMPREPLY=($(compgen -W "$objects" -- "$cur"))
		;;
	esac
} &&
	complete -F _synguardctl synguardctl
